/** Content negotiation of prepared bodies, kept under this name for web/fast-path.ts. */
export { acceptsGzip, matchesTag } from './endpoint-http.js';
