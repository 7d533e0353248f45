/**
 * expire-freshness: started by upload (a moved generation) and takedown (a deny entry) with
 * `{ tenant, key, token }`; removes the original's freshness entry once its window is over,
 * so the KeyValueStore holds only the changes of the last FRESHNESS_WINDOW_SECONDS
 * (docs/design.md, "Freshness"; docs/pipeline.md, "expire-freshness").
 *
 * A generation: its variants are copied to their plain names first (after the entry goes the
 * edge asks for those), the entry removed while it is still this token, and once every edge
 * has the store without it, the generation's own objects deleted. A deny entry: removed only
 * while it is still the deny token and the original is in no region, its variants swept first.
 */
import { fieldsAt, stateMachine } from './asl/builder.ts';
import type { Payload } from './asl/types.ts';
import { defineWorkflow, lambdaTask, startWorkflow } from './common.ts';

/**
 * core/contract/freshness.ts's FRESHNESS_WINDOW_SECONDS and DENIED, spelled here since workflows
 * import nothing but ASL (expire-freshness.test.ts holds them equal).
 */
export const FRESHNESS_WINDOW_SECONDS = 93600;
export const DENIED = '!';

/**
 * After the removal, how long an edge may still send the generation's token: AWS gives no
 * number for a KeyValueStore change to reach every edge ("within seconds", docs/aws-limits.md
 * §A); an hour is our margin, and an edge that sends the token later only renders it again.
 */
export const REMOVAL_PROPAGATION_SECONDS = 3600;

const ORIGINAL = fieldsAt('$', ['tenant', 'key', 'token']);
const EXPIRY_ID = { 'requestId.$': '$$.Execution.Name' };

export const expireFreshness = defineWorkflow(
  'expire-freshness',
  stateMachine({
    Comment: "Remove an original's freshness entry once nothing cached can need it.",
    // The two waits and an hour for the tasks: a Standard execution may run a year.
    TimeoutSeconds: FRESHNESS_WINDOW_SECONDS + REMOVAL_PROPAGATION_SECONDS + 3600,
    StartAt: 'WaitForWindow',
    States: {
      WaitForWindow: {
        Type: 'Wait',
        Comment: 'Until nothing the edge cached without the entry can be served (FRESHNESS_WINDOW_SECONDS).',
        Seconds: FRESHNESS_WINDOW_SECONDS,
        Next: 'Denied?',
      },
      'Denied?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.token', StringEquals: DENIED, Next: 'RemoveDenyEntry' }],
        Default: 'PromoteGeneration',
      },
      RemoveDenyEntry: {
        Comment: 'Only while the entry is still the deny token and the original in no region; its variants swept first, while viewers still get 451.',
        ...lambdaTask('remove-freshness-entry', { Parameters: { ...ORIGINAL, ...EXPIRY_ID }, ResultPath: '$.removal' }),
        Next: 'Done',
      },
      PromoteGeneration: {
        ...lambdaTask('promote-generation', { Parameters: { ...ORIGINAL, ...EXPIRY_ID }, ResultPath: '$.promoted' }),
        Next: 'RemoveEntry',
      },
      RemoveEntry: {
        ...lambdaTask('remove-freshness-entry', { Parameters: { ...ORIGINAL, ...EXPIRY_ID }, ResultPath: '$.removal' }),
        Next: 'Removed?',
      },
      'Removed?': {
        Type: 'Choice',
        Comment: 'A later re-upload or takedown wrote its own entry since: its own expiry takes over.',
        Choices: [{ Variable: '$.removal.removed', BooleanEquals: true, Next: 'WaitForEdges' }],
        Default: 'Superseded',
      },
      Superseded: { Type: 'Succeed' },
      WaitForEdges: {
        Type: 'Wait',
        Comment: 'Until no edge sends the token any more (REMOVAL_PROPAGATION_SECONDS).',
        Seconds: REMOVAL_PROPAGATION_SECONDS,
        Next: 'DeleteGenerationVariants',
      },
      DeleteGenerationVariants: {
        ...lambdaTask('delete-variants', {
          Parameters: { ...fieldsAt('$', ['tenant', 'key']), 'only.$': '$.token', 'requestId.$': "States.Format('{}:generation', $$.Execution.Name)" },
          ResultPath: '$.deleted',
        }),
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  }),
);

/**
 * The Task state that starts an original's expiry, fire and forget, named after the change
 * (`changeId`, an intrinsic expression): a replay or a redrive of the change starts nothing
 * new, and the duplicate is caught on to `next`. Step Functions names are at most 80
 * characters: `expire-` and a SHA-256 in hex are 71.
 */
export function startExpiry<N extends string>(changeId: string, input: Payload, next: N) {
  return startWorkflow(
    'expire-freshness',
    {
      Comment: 'Fire and forget: the expiry waits the freshness window, then removes the entry.',
      name: `States.Format('expire-{}', States.Hash(${changeId}, 'SHA-256'))`,
      Input: input,
      ResultPath: '$.expiry',
    },
    next,
  );
}
