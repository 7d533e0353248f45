/**
 * The invalidation queue's done items and request markers expire: the deployed table has
 * DynamoDB Time to Live on the attribute the queue writes (tasks/shared/invalidation-queue.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { INVALIDATION_QUEUE_KEYS } from '../../tasks/shared/invalidation-queue.ts';
import { TABLE_KEYS } from '../../tasks/shared/tables.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { synthesizeForAssertions, type SynthesizedDeployment } from '../../test/support/synth.ts';

let deployment: SynthesizedDeployment;

beforeAll(async () => {
  await buildViewerFunction();
  deployment = synthesizeForAssertions();
}, 60_000);

type Table = { Type: string; Properties: Record<string, any> };
const tables = () =>
  Object.values((deployment.template('pipeline').toJSON() as { Resources: Record<string, Table> }).Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
const keyOf = (table: Table) => table.Properties.KeySchema.find((k: { KeyType: string }) => k.KeyType === 'HASH').AttributeName as string;

describe('invalidation queue table', () => {
  it('expires items by the attribute the queue sets on done items and request markers', () => {
    const queue = tables().filter((t) => keyOf(t) === INVALIDATION_QUEUE_KEYS.partitionKey);
    expect(queue).toHaveLength(1);
    expect(queue[0]!.Properties.TimeToLiveSpecification).toEqual({ AttributeName: INVALIDATION_QUEUE_KEYS.timeToLive, Enabled: true });
    expect(queue[0]!.Properties.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName)).toEqual([INVALIDATION_QUEUE_KEYS.statusIndex.indexName]);
  });

  it('leaves the other tables as they were: only the idempotency table expires besides it', () => {
    const expiring = tables()
      .filter((t) => t.Properties.TimeToLiveSpecification)
      .map((t) => [keyOf(t), t.Properties.TimeToLiveSpecification.AttributeName]);
    expect(expiring.sort()).toEqual(
      [
        [TABLE_KEYS.idempotency.partitionKey, TABLE_KEYS.idempotency.timeToLive],
        [INVALIDATION_QUEUE_KEYS.partitionKey, INVALIDATION_QUEUE_KEYS.timeToLive],
      ].sort(),
    );
  });
});
