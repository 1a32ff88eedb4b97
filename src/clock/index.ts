export * from './faketime.js';
export * from './spec.js';
export * from './shim.js';
