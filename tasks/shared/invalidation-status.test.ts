import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFrontClient, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CloudFrontInvalidationStatus } from './invalidation-status.ts';

const cloudfront = mockClient(CloudFrontClient);

describe('CloudFrontInvalidationStatus', () => {
  it.each(['InProgress', 'Completed'] as const)('reports %s as CloudFront does, for the configured distribution', async (status) => {
    cloudfront.reset();
    cloudfront.on(GetInvalidationCommand, { DistributionId: 'EDIST', Id: 'I1' }).resolves({ Invalidation: { Id: 'I1', Status: status, CreateTime: new Date(), InvalidationBatch: { CallerReference: 'inv-1', Paths: { Quantity: 1, Items: ['/demo/a.jpg*'] } } } });
    const invalidations = new CloudFrontInvalidationStatus(new CloudFrontClient({ region: 'us-east-1' }), 'EDIST');
    expect(await invalidations.describe('I1')).toEqual({ status, paths: ['/demo/a.jpg*'] });
  });
});
