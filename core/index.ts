/**
 * The core every room shares, light to load (no dependency at all): the image
 * contract, the errors, the originals' topology and the storage ports. The
 * rest has entries of its own, so nobody loads what they do not use (the
 * Lambda@Edge bundle stays small): `core/storage/` (S3), `core/transform/`
 * (sharp), `core/deployment/` (the config and WAF rules, zod), `core/signing/`
 * (the URL signer) and `core/schema/` (zod schemas of the contract's shapes).
 * The viewer function and the console page import `core/contract/` alone.
 */
export * from './contract/index.ts';
export * from './errors.ts';
export * from './freshness.ts';
export * from './regions.ts';
export type { ObjectStore, PutOptions, ReadOptions, StoredObject } from './storage/object-store.ts';
export type { OriginalsReader, OriginalRead, OriginalsReplica, LogEntry } from './storage/originals-reader.ts';
