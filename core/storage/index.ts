/** Reaching buckets: the ObjectStore port, its S3 adapter, the one S3 client setup and the originals reader with region failover. */
export * from './object-store.ts';
export * from './originals-reader.ts';
export * from './s3-client.ts';
