import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { awsClientConfig, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { invalidationQueueFromEnv } from '../shared/invalidation-queue.ts';
import { CloudFrontInvalidationStatus } from '../shared/invalidation-status.ts';
import { createReadInvalidationQueueTask } from './task.ts';

export const handler = createReadInvalidationQueueTask({
  queue: invalidationQueueFromEnv(),
  invalidations: new CloudFrontInvalidationStatus(new CloudFrontClient(awsClientConfig('cloudFront')), requireEnv(TASK_ENV.distributionId)),
})(runtimeFromEnv());
