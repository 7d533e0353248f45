/**
 * The local stack as its clients see it: the operations API's shapes and
 * client, how an execution reads to a person, and the local signing keys.
 * The CLI and the signer (tools/) import this entry and nothing else of infra/local.
 */
export * from './api.ts';
export * from './execution-status.ts';
export * from './execution-view.ts';
export * from './ops-client.ts';
export type { ObjectCreatedEvent } from '../s3-events.ts';
export { loadOrCreateLocalSigningKeys, localSigningKey, type LocalSigningKeys } from '../dev-keys.ts';
