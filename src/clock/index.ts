export * from './faketime.js';
export * from './spec.js';
