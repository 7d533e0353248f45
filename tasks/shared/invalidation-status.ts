/** What CloudFront says about an invalidation the flush submitted: whether it still runs, and the paths it holds. */
import { AccessDenied as CloudFrontAccessDenied, GetInvalidationCommand, NoSuchDistribution, NoSuchInvalidation, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { AccessDenied, StoreUnavailable } from '../../core/index.ts';
import { accessDeniedMessage, isAwsUnavailable } from './conditional-write.ts';
import { TaskError } from './errors.ts';

export interface SubmittedInvalidationState {
  readonly status: 'InProgress' | 'Completed';
  /** The paths as sent (a folded wildcard stands for all the queue items it covers). */
  readonly paths: readonly string[];
}

export interface InvalidationStatus {
  describe(invalidationId: string): Promise<SubmittedInvalidationState>;
}

/**
 * How CloudFront's API throttles: an error code the SDK does not model, `Throttling` (HTTP 400),
 * so a CloudFrontServiceException named after it (invalidation-status.test.ts parses such an
 * answer); the other names are the SDKs' generic ones, and a 429 counts whatever its name. The
 * CreateInvalidation state meets the same as `CloudFront.CloudFrontException` and retries it
 * (workflows/invalidation-flush.ts): a Step Functions integration, no code here to share.
 */
const CLOUDFRONT_THROTTLES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);

/** CloudFront knows no such invalidation, or no such distribution: retrying will not change its answer. */
export class InvalidationNotFound extends TaskError {
  constructor(message: string, options: { cause: unknown }) {
    super('InvalidationNotFound', message);
    this.cause = options.cause;
  }
}

/**
 * A failed CloudFront API call on `distributionId` as the workflows read it: StoreUnavailable when
 * it may succeed later (the workflows retry it), AccessDenied for a missing grant,
 * InvalidationNotFound for an id CloudFront does not know (neither retried); otherwise itself.
 */
export function cloudFrontFailure(err: unknown, distributionId: string, invalidationId?: string): unknown {
  const what = `distribution ${distributionId}`;
  if (isAwsUnavailable(err) || (err instanceof Error && CLOUDFRONT_THROTTLES.has(err.name))) return new StoreUnavailable(`${what}: CloudFront API unavailable`, { cause: err });
  if (err instanceof CloudFrontAccessDenied) return new AccessDenied(accessDeniedMessage(what, err), { cause: err });
  if (err instanceof NoSuchDistribution) return new InvalidationNotFound(`${what}: no such distribution in this account (check the task's DISTRIBUTION_ID)`, { cause: err });
  if (err instanceof NoSuchInvalidation) return new InvalidationNotFound(`${what}: CloudFront knows no invalidation ${invalidationId ?? '(unnamed)'}, which the invalidation queue holds as submitted`, { cause: err });
  return err;
}

export class CloudFrontInvalidationStatus implements InvalidationStatus {
  constructor(
    private readonly client: CloudFrontClient,
    private readonly distributionId: string,
  ) {}

  async describe(invalidationId: string): Promise<SubmittedInvalidationState> {
    const out = await this.client
      .send(new GetInvalidationCommand({ DistributionId: this.distributionId, Id: invalidationId }))
      .catch((err: unknown) => {
        throw cloudFrontFailure(err, this.distributionId, invalidationId);
      });
    return {
      status: out.Invalidation?.Status === 'Completed' ? 'Completed' : 'InProgress',
      paths: out.Invalidation?.InvalidationBatch?.Paths?.Items ?? [],
    };
  }
}
