/**
 * takedown: started by ops or the API with `{ tenant, key, reason, requestedBy? }`
 * (docs/pipeline.md, "takedown"). The takedown id is the execution name, which a
 * console redrive keeps: every step of a redriven takedown finds its first run's records.
 *
 * No Catch anywhere: a failed takedown stays failed and visible, the deny entry
 * already protects viewers, and a redrive resumes it.
 */
import { fieldsAt, stateMachine } from './asl/builder.ts';
import { defineWorkflow, lambdaTask } from './common.ts';
import { DENIED, startExpiry } from './expire-freshness.ts';

const TAKEDOWN_ID = '$$.Execution.Name';
const REQUEST = fieldsAt('$', ['tenant', 'key']);

export const takedown = defineWorkflow(
  'takedown',
  stateMachine({
    Comment: 'Take an original down: deny it at the edge, delete it in every region and its variants, invalidate, audit.',
    TimeoutSeconds: 600,
    StartAt: 'RequestedBy?',
    States: {
      // A path to a missing field fails the state that reads it: give the optional requestedBy a null.
      'RequestedBy?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.requestedBy', IsPresent: true, Next: 'PutDenyEntry' }],
        Default: 'NoRequester',
      },
      NoRequester: {
        Type: 'Pass',
        Parameters: { ...fieldsAt('$', ['tenant', 'key', 'reason']), requestedBy: null },
        Next: 'PutDenyEntry',
      },
      PutDenyEntry: {
        ...lambdaTask('put-deny-entry', {
          Parameters: { ...REQUEST, 'reason.$': '$.reason', 'takedownId.$': TAKEDOWN_ID },
          ResultPath: '$.denied',
        }),
        Next: 'DeleteOriginals',
      },
      DeleteOriginals: {
        ...lambdaTask('delete-originals', {
          Parameters: { ...REQUEST, 'takedownId.$': TAKEDOWN_ID },
          ResultPath: '$.originals',
        }),
        Next: 'DeleteVariants',
      },
      DeleteVariants: {
        ...lambdaTask('delete-variants', {
          Parameters: { ...REQUEST, 'requestId.$': TAKEDOWN_ID },
          ResultPath: '$.variants',
        }),
        Next: 'EnqueueInvalidation',
      },
      EnqueueInvalidation: {
        ...lambdaTask('enqueue-invalidation', {
          Parameters: { 'paths.$': '$.variants.paths', 'requestId.$': TAKEDOWN_ID },
          ResultPath: '$.invalidation',
        }),
        Next: 'WriteAudit',
      },
      WriteAudit: {
        ...lambdaTask('write-audit', {
          Parameters: {
            'takedownId.$': TAKEDOWN_ID,
            ...REQUEST,
            ...fieldsAt('$', ['reason', 'requestedBy']),
            'deleted.$': '$.variants.deleted',
            'invalidationPaths.$': '$.variants.paths',
          },
          ResultPath: '$.audit',
        }),
        Next: 'StartExpiry',
      },
      StartExpiry: startExpiry("States.Format('takedown:{}', $$.Execution.Name)", { ...REQUEST, token: DENIED }, 'Done'),
      Done: { Type: 'Succeed' },
    },
  }),
);
