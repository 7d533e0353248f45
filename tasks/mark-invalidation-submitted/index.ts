import { runtimeFromEnv } from '../shared/environment.ts';
import { invalidationQueueFromEnv } from '../shared/invalidation-queue.ts';
import { createMarkInvalidationSubmittedTask } from './task.ts';

export const handler = createMarkInvalidationSubmittedTask({ queue: invalidationQueueFromEnv() })(runtimeFromEnv());
