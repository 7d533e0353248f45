import { z } from 'zod';
import { denyKey } from '../../core/index.ts';
import type { DenyListWriter } from '../shared/deny-list.ts';
import { defineTask } from '../shared/task.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';

export interface PutDenyEntryDeps {
  denyList: DenyListWriter;
  now?: () => Date;
}

const TASK = 'put-deny-entry';
/** The entry's JSON must fit a KeyValueStore value (1,024 bytes): 256 characters of up to 3 UTF-8 bytes each, plus `at`. */
export const MAX_TAKEDOWN_REASON_LENGTH = 256;

/** Takedown, first step: from the moment the entry is in the store, viewers get a 451 for every variant. */
export function createPutDenyEntryTask({ denyList, now = () => new Date() }: PutDenyEntryDeps) {
  return defineTask({
    name: TASK,
    input: z.object({ tenant: z.string(), key: z.string(), reason: z.string().min(1).max(MAX_TAKEDOWN_REASON_LENGTH), takedownId: z.string().min(1) }),
    idempotencyKey: (input) => input.takedownId,
    run: async ({ tenant, key, reason }) => {
      tenantOriginal(TASK, tenant, key);
      const entry = { reason, at: now().toISOString() };
      await denyList.put(denyKey(key), entry);
      return { denyKey: denyKey(key), at: entry.at };
    },
  });
}
