/** What CloudFront says about an invalidation the flush submitted: whether it still runs, and the paths it holds. */
import { GetInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';

export interface SubmittedInvalidationState {
  readonly status: 'InProgress' | 'Completed';
  /** The paths as sent (a folded wildcard stands for all the queue items it covers). */
  readonly paths: readonly string[];
}

export interface InvalidationStatus {
  describe(invalidationId: string): Promise<SubmittedInvalidationState>;
}

export class CloudFrontInvalidationStatus implements InvalidationStatus {
  constructor(
    private readonly client: CloudFrontClient,
    private readonly distributionId: string,
  ) {}

  async describe(invalidationId: string): Promise<SubmittedInvalidationState> {
    const out = await this.client.send(new GetInvalidationCommand({ DistributionId: this.distributionId, Id: invalidationId }));
    return {
      status: out.Invalidation?.Status === 'Completed' ? 'Completed' : 'InProgress',
      paths: out.Invalidation?.InvalidationBatch?.Paths?.Items ?? [],
    };
  }
}
