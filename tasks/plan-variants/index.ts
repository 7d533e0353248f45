/** The deployed plan-variants function. */
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { awsClientConfig, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createPlanVariantsTask } from './task.ts';
import { keyValueStoreLadder } from './tenant-ladder.ts';

export const handler = createPlanVariantsTask({
  tenantLadder: keyValueStoreLadder(new CloudFrontKeyValueStoreClient(awsClientConfig('keyValueStore')), requireEnv(TASK_ENV.keyValueStoreArn)),
})(runtimeFromEnv());
