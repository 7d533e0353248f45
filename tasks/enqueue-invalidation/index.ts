import { runtimeFromEnv } from '../shared/environment.ts';
import { invalidationQueueFromEnv } from '../shared/invalidation-queue.ts';
import { createEnqueueInvalidationTask } from './task.ts';

export const handler = createEnqueueInvalidationTask({ queue: invalidationQueueFromEnv() })(runtimeFromEnv());
