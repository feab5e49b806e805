import { readFileSync, statSync } from 'node:fs';
import type { TaskScheduler } from '../core/scheduler.js';
import { errorFields, type Logger } from '../telemetry/logger.js';

/** The `tls.*` settings. */
export interface TlsSettings {
  certFile: string;
  keyFile: string;
  caFile: string;
  mutual: boolean;
  reloadIntervalMs: number;
}

/** Certificate, key and CA bundle as read from their files. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Absent without tls.caFile: the system's CAs verify peers. */
  ca: Buffer | undefined;
}

function stamp(path: string): string {
  if (path === '') return '';
  const s = statSync(path);
  return `${s.mtimeMs}:${s.size}`;
}

/**
 * The node's TLS files: read at start (a missing or unreadable file fails the start), then
 * checked every `tls.reloadIntervalMs` on the scheduler; when one changed, all are read again
 * and the listeners (the HTTPS server's secure context, the peer agent) get the new material.
 * A change that cannot be read (half written, removed) is logged and the old material kept.
 */
export class TlsFiles {
  private current: TlsMaterial;
  private stamps: string;
  private readonly listeners: Array<(m: TlsMaterial) => void> = [];

  constructor(
    readonly settings: TlsSettings,
    private readonly logger: Logger,
  ) {
    this.current = this.read();
    this.stamps = this.stampAll();
  }

  get material(): TlsMaterial {
    return this.current;
  }

  onChange(listener: (m: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  /** Reloads when a file changed; true when new material was taken. */
  check(): boolean {
    let stamps: string;
    let next: TlsMaterial;
    try {
      stamps = this.stampAll();
      if (stamps === this.stamps) return false;
      next = this.read();
    } catch (err) {
      this.logger.warn({ ...errorFields(err) }, 'TLS files changed but cannot be read; keeping the loaded certificate');
      return false;
    }
    this.stamps = stamps;
    this.current = next;
    for (const l of this.listeners) l(next);
    this.logger.info({ certFile: this.settings.certFile }, 'reloaded the TLS certificate');
    return true;
  }

  private stampAll(): string {
    const { certFile, keyFile, caFile } = this.settings;
    return [stamp(certFile), stamp(keyFile), stamp(caFile)].join(' ');
  }

  private read(): TlsMaterial {
    const { certFile, keyFile, caFile } = this.settings;
    const file = (path: string) => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(`TLS file ${path} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    };
    return { cert: file(certFile), key: file(keyFile), ca: caFile === '' ? undefined : file(caFile) };
  }
}

/** The node's TLS files when `tls.certFile` is set (null: plain HTTP), with their reload task. */
export function createTls(settings: TlsSettings, deps: { scheduler: TaskScheduler; logger: Logger }): TlsFiles | null {
  if (settings.certFile === '') return null;
  const files = new TlsFiles(settings, deps.logger.child({ component: 'tls' }));
  deps.scheduler.add({ name: 'tls.reload', intervalMs: settings.reloadIntervalMs, run: () => void files.check() });
  return files;
}
