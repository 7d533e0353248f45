/**
 * invalidation-flush: every minute (EventBridge schedule) and by hand. Drains the
 * invalidation queue into CloudFront invalidations, one batch at a time
 * (docs/pipeline.md, "invalidation-flush").
 */
import { fieldsAt, itemProcessor, stateMachine } from './asl/builder.ts';
import { TRANSIENT_RETRY, defineWorkflow, lambdaTask } from './common.ts';

const BATCH = fieldsAt('$', ['batchId', 'items']);

export const invalidationFlush = defineWorkflow(
  'invalidation-flush',
  stateMachine({
    Comment: 'Send the queued CloudFront invalidations: read the queue, plan batches within quotas, claim, create and mark each batch.',
    TimeoutSeconds: 300,
    StartAt: 'ReadQueue',
    States: {
      ReadQueue: {
        ...lambdaTask('read-invalidation-queue', { Parameters: {}, ResultPath: '$.queue' }),
        Next: 'PlanInvalidations',
      },
      PlanInvalidations: {
        ...lambdaTask('plan-invalidations', {
          Parameters: fieldsAt('$.queue', ['pending', 'claimed', 'inFlight']),
          // Keep the plan only: the drained queue would double the payload.
          ResultSelector: { 'plan.$': '$' },
        }),
        Next: 'AnyBatches?',
      },
      'AnyBatches?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.plan.batches[0]', IsPresent: true, Next: 'SubmitBatches' }],
        Default: 'Done',
      },
      SubmitBatches: {
        Type: 'Map',
        ItemsPath: '$.plan.batches',
        MaxConcurrency: 1,
        ItemProcessor: itemProcessor({
          StartAt: 'ClaimBatch',
          States: {
            ClaimBatch: {
              ...lambdaTask('claim-invalidation-batch', { Parameters: BATCH, ResultPath: '$.claim' }),
              Next: 'CreateInvalidation',
            },
            CreateInvalidation: {
              Type: 'Task',
              Resource: 'arn:aws:states:::aws-sdk:cloudfront:createInvalidation',
              Parameters: {
                DistributionId: '${DistributionId}',
                InvalidationBatch: {
                  // The same batch always has the same CallerReference: CloudFront answers a
                  // resend with the existing invalidation instead of creating a second one.
                  'CallerReference.$': '$.batchId',
                  Paths: { 'Quantity.$': '$.quantity', 'Items.$': '$.paths' },
                },
              },
              ResultSelector: { 'invalidationId.$': '$.Invalidation.Id' },
              ResultPath: '$.invalidation',
              Retry: [
                // In-progress invalidations take minutes to complete: wait longer between tries.
                { ...TRANSIENT_RETRY, ErrorEquals: ['CloudFront.TooManyInvalidationsInProgressException'], IntervalSeconds: 5, MaxAttempts: 3 },
                // Throttling is not modelled in the SDK: it surfaces as the service's generic exception.
                { ...TRANSIENT_RETRY, ErrorEquals: ['CloudFront.CloudFrontException'] },
              ],
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'BatchLeftClaimed' }],
              Next: 'MarkSubmitted',
            },
            MarkSubmitted: {
              ...lambdaTask('mark-invalidation-submitted', {
                Parameters: { ...BATCH, 'invalidationId.$': '$.invalidation.invalidationId' },
                ResultPath: '$.marked',
              }),
              End: true,
            },
            BatchLeftClaimed: {
              Type: 'Pass',
              Comment: 'The next flush plans this claimed batch first and resends it with the same CallerReference.',
              End: true,
            },
          },
        }),
        // The batches' outcomes are in the execution history; the output stays the plan.
        ResultPath: null,
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  }),
);
