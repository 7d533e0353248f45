/**
 * The core every room shares, light to load: the image contract, the errors,
 * the originals' topology, the storage ports, the deployment config and the
 * URL signer. No AWS SDK client and no sharp: those have entries of their own,
 * `core/storage/index.ts` (S3) and `core/transform/index.ts` (sharp). The
 * viewer function imports `core/contract/` alone (its ES5 subset).
 */
export * from './contract/index.ts';
export * from './errors.ts';
export * from './regions.ts';
export type { ObjectStore, PutOptions, ReadOptions, StoredObject } from './storage/object-store.ts';
export type { OriginalsReader, OriginalRead, OriginalsReplica, LogEntry } from './storage/originals-reader.ts';
export * from './deployment/config.ts';
export * from './deployment/waf-rules.ts';
export * from './signing/sign-url.ts';
export * from './variant-schema.ts';
