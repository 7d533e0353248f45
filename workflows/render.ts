/**
 * render: pre-renders the standard variants of one original; started by upload,
 * replayed by ops (docs/pipeline.md, "render"), with `{ tenant, path, key, etag, generation }`
 * (generation: the token advance-generation gave this upload, or null for a first upload).
 */
import { fieldsAt, itemProcessor, stateMachine } from './asl/builder.ts';
import { defineWorkflow, lambdaTask } from './common.ts';

export const render = defineWorkflow(
  'render',
  stateMachine({
    Comment: 'Render the standard variants of one original, four at a time; fails, after all were tried, when any failed.',
    TimeoutSeconds: 900,
    StartAt: 'PlanVariants',
    States: {
      PlanVariants: {
        ...lambdaTask('plan-variants', {
          Parameters: fieldsAt('$', ['tenant', 'path', 'key']),
          ResultPath: '$.plan',
        }),
        Next: 'RenderVariants',
      },
      RenderVariants: {
        Type: 'Map',
        Comment: '4 at a time: a bulk upload of N originals bursts to 4·N concurrent renders, not 12·N.',
        ItemsPath: '$.plan.variants',
        // Each variant carries the original's etag (a re-upload's variants are new work, not a replay)
        // and its generation (null for a first upload), which names the variant object.
        ItemSelector: {
          'tenant.$': '$$.Map.Item.Value.tenant',
          'path.$': '$$.Map.Item.Value.path',
          'params.$': '$$.Map.Item.Value.params',
          'etag.$': '$.etag',
          'generation.$': '$.generation',
        },
        MaxConcurrency: 4,
        ItemProcessor: itemProcessor({
          StartAt: 'RenderVariant',
          States: {
            RenderVariant: {
              ...lambdaTask('render-variant', {
                Parameters: fieldsAt('$', ['tenant', 'path', 'params', 'etag', 'generation']),
                // Every item result carries `failed`, so `$[*].failed` below has one entry per variant.
                // Only these fields: `bytes` is absent when the variant already existed.
                ResultSelector: { ...fieldsAt('$', ['key', 'status']), failed: false },
                Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
              }),
              End: true,
            },
            RecordFailure: {
              Type: 'Pass',
              Comment: 'One bad variant must not lose the others: the failure becomes this item\'s result.',
              Parameters: { failed: true, ...fieldsAt('$', ['tenant', 'path', 'params', 'error']) },
              End: true,
            },
          },
        }),
        // A Choice cannot search an array: reduce the results to one flag first. The plan
        // always has at least 3 variants (3 formats), so `$[*].failed` is never empty.
        ResultSelector: { 'variants.$': '$', 'anyFailed.$': 'States.ArrayContains($[*].failed, true)' },
        ResultPath: '$.rendered',
        Next: 'AnyFailed?',
      },
      'AnyFailed?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.rendered.anyFailed', BooleanEquals: true, Next: 'ListFailures' }],
        Default: 'Done',
      },
      ListFailures: {
        Type: 'Pass',
        Comment: 'The cause names the failed variants; their errors are in the RenderVariants output.',
        Parameters: { 'cause.$': 'States.JsonToString($.rendered.variants[?(@.failed == true)].params)' },
        ResultPath: '$.failures',
        Next: 'SomeVariantsFailed',
      },
      SomeVariantsFailed: { Type: 'Fail', Error: 'SomeVariantsFailed', CausePath: '$.failures.cause' },
      Done: { Type: 'Succeed' },
    },
  }),
);
