export * from './limits.ts';
export * from './formats.ts';
export * from './image-request.ts';
export * from './freshness.ts';
export * from './kvs.ts';
export * from './object-keys.ts';
export * from './signing.ts';
export * from './standard-variants.ts';
