import { z } from 'zod';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoCall, writeIf } from '../shared/conditional-write.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';

export interface WriteAuditDeps {
  dynamo: DynamoDBDocumentClient;
  auditTable: string;
  now?: () => Date;
}

/** Takedown, last step: one audit record per takedown, even for a redrive past the idempotency TTL. */
export function createWriteAuditTask({ dynamo, auditTable, now = () => new Date() }: WriteAuditDeps) {
  return defineTask({
    name: 'write-audit',
    input: z.object({
      takedownId: z.string().min(1),
      tenant: z.string(),
      key: z.string(),
      reason: z.string(),
      // The takedown workflow passes null when the request named no one (a JSONPath to a missing field would fail the state).
      requestedBy: z.string().nullish(),
      deleted: z.number().int().nonnegative(),
      invalidationPaths: z.array(z.string()),
    }),
    idempotencyKey: (input) => input.takedownId,
    run: async ({ takedownId, tenant, key, reason, requestedBy, deleted, invalidationPaths }, { metrics }) => {
      const record = { takedownId, tenant, key, reason, ...(requestedBy == null ? {} : { requestedBy }), deleted, invalidationPaths, recordedAt: now().toISOString() };
      const put = new PutCommand({ TableName: auditTable, Item: record, ConditionExpression: 'attribute_not_exists(takedownId)' });
      if (await writeIf(auditTable, dynamo.send(put))) {
        metrics.addMetric('TakedownsCompleted', MetricUnit.Count, 1);
        return { takedownId, recordedAt: record.recordedAt };
      }
      // A redrive past the idempotency TTL: the first run's record stands.
      const { Item } = await dynamoCall(auditTable, dynamo.send(new GetCommand({ TableName: auditTable, Key: { takedownId }, ConsistentRead: true })));
      return { takedownId, recordedAt: Item?.recordedAt as string };
    },
  });
}
