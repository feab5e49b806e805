export * from './instance.js';
export * from './json-reader.js';
export * from './registry-messages.js';
export * from './service.js';
export * from './cluster.js';
export * from './fields.js';
