/**
 * upload: started by the S3 "Object Created" EventBridge event of an originals bucket
 * (any other event is refused by the first state, with the reason). Validates the original, records it; for a replacement moves the original's generation
 * (from then on every variant URL of it has a new cache key and a new object) and
 * deletes the variants of the generations before; starts its render (docs/pipeline.md,
 * "upload"; docs/design.md, "Freshness").
 */
import { fieldsAt, stateMachine } from './asl/builder.ts';
import type { Comparison } from './asl/types.ts';
import { defineWorkflow, lambdaTask, startWorkflow } from './common.ts';
import { startExpiry } from './expire-freshness.ts';

const EVENT = {
  'bucket.$': '$.detail.bucket.name',
  'key.$': '$.detail.object.key',
  'etag.$': '$.detail.object.etag',
  'sequencer.$': '$.detail.object.sequencer',
};

/** A field name with a hyphen needs the bracket notation (docs/aws-limits.md, "Reference paths"). */
const DETAIL_TYPE = "$['detail-type']";
const KIND_FIELDS = ['$.source', DETAIL_TYPE];
const OBJECT_FIELDS = Object.values(EVENT);

/**
 * Each rule only reads fields the rules before it proved present and strings: a comparison on
 * a missing field is a runtime error, and whether And stops at its first false operand is not
 * documented, while the rules themselves are tried in order (docs/aws-limits.md, "Choice rules").
 */
const allOf = (fields: readonly string[], test: (Variable: string) => Comparison) => ({ And: fields.map(test) });
const present = (Variable: string): Comparison => ({ Variable, IsPresent: true });
const aString = (Variable: string): Comparison => ({ Variable, IsString: true });

const OBJECT_CREATED = {
  And: [
    { Variable: '$.source', StringEquals: 'aws.s3' },
    { Variable: DETAIL_TYPE, StringEquals: 'Object Created' },
  ],
};

/** Identifies this replacement's deletion of the old variants. */
const REPLACE_REQUEST_ID = { 'requestId.$': "States.Format('replace:{}@{}@{}', $.original.key, $.original.etag, $.original.sequencer)" };

/** Identifies the cleanup after this upload's quarantine. */
const QUARANTINE_REQUEST_ID = {
  'requestId.$': "States.Format('quarantine:{}@{}@{}', $.quarantined.quarantinedKey, $.detail.object.etag, $.detail.object.sequencer)",
};

/** What a validation that cannot finish fails with once its retries are spent (TRANSIENT_ERRORS retries both first). */
const VALIDATION_TIMEOUTS = ['RenderTimedOut', 'Sandbox.Timedout'];
export const NOT_VALIDATED_IN_TIME = 'could not be validated in time';

/**
 * A Lambda error's Cause is the JSON the runtime reports (`{ errorType, errorMessage, trace }`),
 * so the one-line reason of `OriginalRejected` is its errorMessage.
 */
const REJECTION_REASON = '$.rejection.lambdaError.errorMessage';


/**
 * Fire and forget: the render execution is named after the upload (key@etag@sequencer), so a
 * duplicate is refused and caught on to `next`.
 */
function startRender<N extends string>(next: N) {
  return startWorkflow(
    'render',
    {
      Comment: 'Fire and forget: the render execution is named after the upload (key@etag@sequencer), so a duplicate is refused.',
      name: '$.original.renderExecutionName',
      Input: { ...fieldsAt('$.original', ['tenant', 'path', 'key', 'etag']), 'generation.$': '$.generation.token' },
      ResultPath: '$.render',
    },
    next,
  );
}

export const upload = defineWorkflow(
  'upload',
  stateMachine({
    Comment: 'An original was uploaded: validate it (quarantine if rejected), record it, move the generation of the original it replaces and drop that one\'s variants, start its render.',
    // Room for every retry: a validation that times out on each of its 5 attempts (60 s each) still reaches the quarantine and its cleanup.
    TimeoutSeconds: 1800,
    StartAt: 'ObjectCreated?',
    States: {
      'ObjectCreated?': {
        Type: 'Choice',
        Comment: 'Only an S3 Object Created event is an upload. The deployed rule sends no other, but a start from the console or the API can.',
        Choices: [
          { Not: allOf(KIND_FIELDS, present), Next: 'MalformedEvent' },
          { Not: allOf(KIND_FIELDS, aString), Next: 'MalformedEvent' },
          { Not: OBJECT_CREATED, Next: 'ReadEventKind' },
          { Not: allOf(OBJECT_FIELDS, present), Next: 'MalformedEvent' },
          { Not: allOf(OBJECT_FIELDS, aString), Next: 'MalformedEvent' },
        ],
        Default: 'ValidateOriginal',
      },
      MalformedEvent: {
        Type: 'Fail',
        Error: 'NotAnUpload',
        Cause: 'upload takes an S3 Object Created event: source, detail-type, detail.bucket.name and detail.object.key, etag and sequencer, all strings',
      },
      ReadEventKind: {
        Type: 'Pass',
        Parameters: { 'reason.$': `States.Format('upload takes only S3 Object Created events (source aws.s3), not {} from {}', ${DETAIL_TYPE}, $.source)` },
        ResultPath: '$.refusal',
        Next: 'NotAnUpload',
      },
      NotAnUpload: { Type: 'Fail', Error: 'NotAnUpload', CausePath: '$.refusal.reason' },
      ValidateOriginal: {
        ...lambdaTask('validate-original', {
          Parameters: EVENT,
          ResultPath: '$.original',
          Catch: [
            { ErrorEquals: ['OriginalRejected'], ResultPath: '$.rejection', Next: 'ReadRejectionReason' },
            // Past every retry: a render past its deadline each time, or the function's own timeout.
            { ErrorEquals: VALIDATION_TIMEOUTS, ResultPath: '$.rejection', Next: 'NotValidatedInTime' },
          ],
        }),
        Next: 'RecordOriginal',
      },
      NotValidatedInTime: {
        Type: 'Pass',
        Comment: 'An upload that cannot be validated is not accepted: it is quarantined like a rejected one.',
        Parameters: { lambdaError: { errorMessage: NOT_VALIDATED_IN_TIME } },
        ResultPath: '$.rejection',
        Next: 'QuarantineOriginal',
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
        Next: 'AnOriginalKey?',
      },
      'AnOriginalKey?': {
        Type: 'Choice',
        Comment: 'No tenant: the key is no original key of one (the edge renders none for it), or a later upload replaced this one (its variants are that upload\'s).',
        Choices: [{ Variable: '$.quarantined.tenant', IsNull: true, Next: 'Rejected' }],
        Default: 'DeleteRejectedVariants',
      },
      DeleteRejectedVariants: {
        Comment: 'Any the edge rendered while the upload was being validated: the rejected bytes are served no longer.',
        ...lambdaTask('delete-variants', {
          Parameters: { 'tenant.$': '$.quarantined.tenant', 'key.$': '$.quarantined.quarantinedKey', ...QUARANTINE_REQUEST_ID },
          ResultPath: '$.rejectedVariants',
        }),
        Next: 'InvalidateRejectedVariants',
      },
      InvalidateRejectedVariants: {
        Comment: 'Edge copies of them go with the next flush.',
        ...lambdaTask('enqueue-invalidation', {
          Parameters: { 'paths.$': '$.rejectedVariants.paths', ...QUARANTINE_REQUEST_ID },
          ResultPath: '$.rejectedInvalidation',
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
        // replaced first: an output recorded before `written` existed (a redrive across a deploy) still has it.
        Choices: [
          { Variable: '$.recorded.replaced', BooleanEquals: true, Next: 'AdvanceGeneration' },
          { Variable: '$.recorded.written', BooleanEquals: false, Next: 'NothingNew' },
        ],
        Default: 'FirstGeneration',
      },
      NothingNew: {
        Type: 'Succeed',
        Comment: 'This upload or a later one is recorded already (a late event), or the same bytes were accepted before: their variants stand.',
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
        Next: 'StartReplacementRender',
      },
      StartRender: startRender('Done'),
      StartReplacementRender: startRender('StartExpiry'),
      // After the render: a failure here (a throttled start) leaves the images served and the execution redrivable from this step.
      StartExpiry: startExpiry(
        "States.Format('{}@{}@{}', $.original.key, $.original.etag, $.original.sequencer)",
        { ...fieldsAt('$.original', ['tenant', 'key']), 'token.$': '$.generation.token' },
        'Done',
      ),
      Done: { Type: 'Succeed' },
    },
  }),
);
