/** Reaching buckets: the ObjectStore port, its S3 adapter, the one S3 client setup, the originals reader with region failover, and the deadlines every AWS call runs under. */
export * from './deadline.ts';
export * from './object-store.ts';
export * from './originals-reader.ts';
export * from './s3-client.ts';
export * from './original-version.ts';
