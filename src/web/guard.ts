/** The guard chain: the checks every request passes before its handler, on both ways in. */

/** What a guard reads of a request: the same whether the framework or the direct path serves it. */
export interface GuardRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** A request header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
  /** Remote address of the TCP connection; `local` for in-process requests. */
  readonly remoteAddress: string;
  /** True when the request carries a body (a declared length above 0, or a chunked one). */
  hasBody(): boolean;
}

/** `hasBody` of a request as node:http received it: a declared length above 0, or a chunked body. */
export function declaresBody(contentLength: string | undefined, transferEncoding: string | undefined): boolean {
  if (contentLength !== undefined) return contentLength.trim() !== '0';
  return transferEncoding !== undefined;
}

/** The answer that refuses a request: a JSON body in the ResponseStatus format. */
export interface Refusal {
  status: number;
  body: string;
  /** Headers besides CORS and the content type. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A check every request passes before its handler: a refusal answers the request, `undefined`
 * lets it through. One list of guards, run in order for every route by both ways in (the Hono
 * pipeline below and the direct way in of `direct-path.ts`).
 */
export type Guard = (req: GuardRequest) => Refusal | undefined;

/** The first refusal of `guards` for `req`, if any. */
export function firstRefusal(guards: readonly Guard[], req: GuardRequest): Refusal | undefined {
  for (const guard of guards) {
    const refused = guard(req);
    if (refused !== undefined) return refused;
  }
  return undefined;
}
