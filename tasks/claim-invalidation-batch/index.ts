import { runtimeFromEnv } from '../shared/environment.ts';
import { invalidationQueueFromEnv } from '../shared/invalidation-queue.ts';
import { createClaimInvalidationBatchTask } from './task.ts';

export const handler = createClaimInvalidationBatchTask({ queue: invalidationQueueFromEnv() })(runtimeFromEnv());
