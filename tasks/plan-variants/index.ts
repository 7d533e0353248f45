/** The deployed plan-variants function. */
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { awsClientConfig, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createPlanVariantsTask } from './task.ts';
import { keyValueStoreTenantConfig } from './tenant-config.ts';

export const handler = createPlanVariantsTask({
  tenantConfig: keyValueStoreTenantConfig(new CloudFrontKeyValueStoreClient(awsClientConfig('keyValueStore')), requireEnv(TASK_ENV.keyValueStoreArn)),
})(runtimeFromEnv());
