export * from './certificate.js';
export * from './files.js';
export * from './inspect.js';
export * from './validity.js';
export * from './openssl-faketime.js';
