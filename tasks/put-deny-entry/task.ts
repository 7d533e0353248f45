import { z } from 'zod';
import { DENIED } from '../../core/index.ts';
import type { FreshnessEntries } from '../shared/freshness-entries.ts';
import { defineTask } from '../shared/task.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';

export interface PutDenyEntryDeps {
  entries: FreshnessEntries;
  now?: () => Date;
}

const TASK = 'put-deny-entry';
/** The reason is kept in the audit record (write-audit), not at the edge: the deny entry is one token. */
export const MAX_TAKEDOWN_REASON_LENGTH = 256;

/** Takedown, first step: from the moment the entry is in the store, viewers get a 451 for every variant. */
export function createPutDenyEntryTask({ entries, now = () => new Date() }: PutDenyEntryDeps) {
  return defineTask({
    name: TASK,
    input: z.object({ tenant: z.string(), key: z.string(), reason: z.string().min(1).max(MAX_TAKEDOWN_REASON_LENGTH), takedownId: z.string().min(1) }),
    idempotencyKey: (input) => input.takedownId,
    run: async ({ tenant, key }) => {
      tenantOriginal(TASK, tenant, key);
      const at = now().toISOString();
      const { slotKey, id } = await entries.set(key, DENIED);
      return { slotKey, id, at };
    },
  });
}
