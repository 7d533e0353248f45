/**
 * upload: started by the S3 "Object Created" EventBridge event of an originals bucket.
 * Validates the original, records it; for a replacement moves the original's generation
 * (from then on every variant URL of it has a new cache key and a new object) and
 * deletes the variants of the generations before; starts its render (docs/pipeline.md,
 * "upload"; docs/design.md, "Freshness").
 */
import { fieldsAt, stateMachine } from './asl/builder.ts';
import { defineWorkflow, lambdaTask } from './common.ts';

const EVENT = {
  'bucket.$': '$.detail.bucket.name',
  'key.$': '$.detail.object.key',
  'etag.$': '$.detail.object.etag',
  'sequencer.$': '$.detail.object.sequencer',
};

/** Identifies this replacement's deletion of the old variants. */
const REPLACE_REQUEST_ID = { 'requestId.$': "States.Format('replace:{}@{}', $.original.key, $.original.etag)" };

/**
 * A Lambda error's Cause is the JSON the runtime reports (`{ errorType, errorMessage, trace }`),
 * so the one-line reason of `OriginalRejected` is its errorMessage.
 */
const REJECTION_REASON = '$.rejection.lambdaError.errorMessage';


export const upload = defineWorkflow(
  'upload',
  stateMachine({
    Comment: 'An original was uploaded: validate it (quarantine if rejected), record it, move the generation of the original it replaces and drop that one\'s variants, start its render.',
    TimeoutSeconds: 600,
    StartAt: 'ValidateOriginal',
    States: {
      ValidateOriginal: {
        ...lambdaTask('validate-original', {
          Parameters: EVENT,
          ResultPath: '$.original',
          Catch: [{ ErrorEquals: ['OriginalRejected'], ResultPath: '$.rejection', Next: 'ReadRejectionReason' }],
        }),
        Next: 'RecordOriginal',
      },
      ReadRejectionReason: {
        Type: 'Pass',
        Parameters: { 'lambdaError.$': 'States.StringToJson($.rejection.Cause)' },
        ResultPath: '$.rejection',
        Next: 'QuarantineOriginal',
      },
      QuarantineOriginal: {
        ...lambdaTask('quarantine-original', {
          Parameters: { ...EVENT, 'reason.$': REJECTION_REASON },
          ResultPath: '$.quarantined',
        }),
        Next: 'Rejected',
      },
      Rejected: { Type: 'Fail', Error: 'OriginalRejected', CausePath: REJECTION_REASON },
      RecordOriginal: {
        ...lambdaTask('record-original', {
          Parameters: fieldsAt('$.original', [
            'tenant',
            'path',
            'key',
            'etag',
            'format',
            'width',
            'height',
            'bytes',
            'sequencer',
            'renderExecutionName',
          ]),
          ResultPath: '$.recorded',
        }),
        Next: 'Replaced?',
      },
      'Replaced?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.recorded.replaced', BooleanEquals: true, Next: 'AdvanceGeneration' }],
        Default: 'FirstGeneration',
      },
      FirstGeneration: {
        Type: 'Pass',
        Comment: 'A first upload has no generation token: its variants are named and cached without one.',
        Result: { token: null },
        ResultPath: '$.generation',
        Next: 'StartRender',
      },
      AdvanceGeneration: {
        Comment: 'From here every variant URL of the original has a new cache key and a new object: no invalidation is needed.',
        ...lambdaTask('advance-generation', {
          Parameters: fieldsAt('$.original', ['tenant', 'key', 'etag', 'sequencer']),
          ResultPath: '$.generation',
        }),
        Next: 'Current?',
      },
      'Current?': {
        Type: 'Choice',
        Comment: 'A later upload of the key was recorded since: its own execution moves the generation and renders.',
        Choices: [{ Variable: '$.generation.written', BooleanEquals: true, Next: 'DeleteOldVariants' }],
        Default: 'Superseded',
      },
      Superseded: { Type: 'Succeed' },
      DeleteOldVariants: {
        Comment: 'Every variant but the new generation\'s, which the edge may have rendered already.',
        ...lambdaTask('delete-variants', {
          Parameters: { ...fieldsAt('$.original', ['tenant', 'key']), 'keep.$': '$.generation.token', ...REPLACE_REQUEST_ID },
          ResultPath: '$.oldVariants',
        }),
        Next: 'StartRender',
      },
      StartRender: {
        Type: 'Task',
        Comment: 'Fire and forget: the render execution is named after the upload (key@etag), so a duplicate is refused.',
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: {
          StateMachineArn: '${RenderStateMachineArn}',
          'Name.$': '$.original.renderExecutionName',
          Input: {
            ...fieldsAt('$.original', ['tenant', 'path', 'key', 'etag']),
            'generation.$': '$.generation.token',
            'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
          },
        },
        ResultPath: '$.render',
        Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], ResultPath: '$.render', Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  }),
);
