/**
 * The partition keys of the pipeline's DynamoDB tables, for CDK and the local
 * stack alike (the invalidation queue, which also has an index, is described in
 * invalidation-queue.ts).
 */
export const TABLE_KEYS = {
  /** Powertools idempotency's defaults: the record id, and the attribute its TTL reads. */
  idempotency: { partitionKey: 'id', timeToLive: 'expiration' },
  originals: { partitionKey: 'key' },
  audit: { partitionKey: 'takedownId' },
} as const;
