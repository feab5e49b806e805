export * from './clock.js';
export * from './error-codes.js';
export * from './errors.js';
export * from './response-status.js';
export * from './wire/index.js';
