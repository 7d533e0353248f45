import { z } from 'zod';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ORIGINALS_REGIONS, type OriginalsRegion } from '../../core/index.ts';
import type { ObjectStore } from '../../core/storage/index.ts';
import { writeIf } from '../shared/conditional-write.ts';
import { defineTask } from '../shared/task.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';

export interface DeleteOriginalsDeps {
  /** The originals bucket of each region. */
  originals: Record<OriginalsRegion, ObjectStore>;
  dynamo: DynamoDBDocumentClient;
  originalsTable: string;
}

const TASK = 'delete-originals';

/**
 * Takedown: deletes the original in every region itself, since replicating a delete
 * takes its time, then marks its originals-table item taken down.
 */
export function createDeleteOriginalsTask({ originals, dynamo, originalsTable }: DeleteOriginalsDeps) {
  return defineTask({
    name: TASK,
    input: z.object({ tenant: z.string(), key: z.string(), takedownId: z.string().min(1) }),
    idempotencyKey: (input) => input.takedownId,
    run: async ({ tenant, key }) => {
      tenantOriginal(TASK, tenant, key);
      const outcomes = await Promise.all(
        ORIGINALS_REGIONS.map(async (region) => {
          const store = originals[region];
          if (!(await store.exists(key))) return [region, 'absent'] as const;
          await store.delete(key);
          return [region, 'deleted'] as const;
        }),
      );
      // An original that never made it into the table (validation pending or failed) has no item to mark.
      await writeIf(
        originalsTable,
        dynamo.send(
          new UpdateCommand({
            TableName: originalsTable,
            Key: { key },
            ConditionExpression: 'attribute_exists(#key)',
            UpdateExpression: 'SET #status = :takenDown',
            ExpressionAttributeNames: { '#key': 'key', '#status': 'status' },
            ExpressionAttributeValues: { ':takenDown': 'taken-down' },
          }),
        ),
      );
      return { regions: Object.fromEntries(outcomes) as Record<OriginalsRegion, 'deleted' | 'absent'> };
    },
  });
}
