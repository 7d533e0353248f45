/** Whether a CloudFront invalidation the flush submitted is still running. */
import { GetInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';

export interface InvalidationStatus {
  status(invalidationId: string): Promise<'InProgress' | 'Completed'>;
}

export class CloudFrontInvalidationStatus implements InvalidationStatus {
  constructor(
    private readonly client: CloudFrontClient,
    private readonly distributionId: string,
  ) {}

  async status(invalidationId: string): Promise<'InProgress' | 'Completed'> {
    const out = await this.client.send(new GetInvalidationCommand({ DistributionId: this.distributionId, Id: invalidationId }));
    return out.Invalidation?.Status === 'Completed' ? 'Completed' : 'InProgress';
  }
}
