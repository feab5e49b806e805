import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

/**
 * A response body serialised once. Its gzip form is made at most once, on first demand, off the
 * event loop, and then shared by every caller.
 */
export class EncodedBody {
  private gzipped: Promise<Buffer> | undefined;

  constructor(
    readonly bytes: Buffer,
    /** Entity tag of a cacheable body (quoted, weak); null when the body is built per request. */
    readonly etag: string | null = null,
  ) {}

  gzip(): Promise<Buffer> {
    this.gzipped ??= gzipAsync(this.bytes).catch((err: unknown) => {
      this.gzipped = undefined;
      throw err;
    });
    return this.gzipped;
  }
}

/** Weak entity tag derived from a cache version. */
export function versionTag(version: number): string {
  return `W/"${version}"`;
}
