/**
 * Every DynamoDB call of the tasks goes through here (the idempotency table's through defineTask),
 * so its failure is named once for the workflows (docs/aws-limits.md §L): throttling, a server
 * fault (5xx) or no answer at all is StoreUnavailable, which they retry with backoff; a refused
 * grant is AccessDenied and a missing table TableNotFound, which none retries (waiting adds
 * neither); a failed condition is the caller's to read; anything else (a ValidationException:
 * our bug) is thrown as it is, and no workflow retries it.
 */
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { AccessDenied, StoreUnavailable } from '../../core/index.ts';
import { TaskError } from './errors.ts';

const THROTTLES = [ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded];

/** What Node calls a connection that failed or broke before the service answered. */
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether a failed call to any AWS service may succeed if made again later, by what every SDK v3
 * client shares: a 5xx or a 429, an attempt that timed out, a connection that broke. Each
 * service's own throttling names are its caller's to add (isDynamoUnavailable; CloudFront's in
 * ./invalidation-status.ts).
 */
export function isAwsUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  return (
    // Any 5xx: the SDK names one it does not model after the answer (ServiceUnavailable, Unknown),
    // and one without a parsable body (a gateway's page) is a SyntaxError that still carries the status.
    status >= 500 ||
    status === 429 ||
    // The SDK's attempt, connection and socket timeouts (awsClientConfig) are all named TimeoutError.
    err.name === 'TimeoutError' ||
    NETWORK_ERROR_CODES.has((err as NodeJS.ErrnoException).code ?? '')
  );
}

/** Whether a failed DynamoDB call may succeed if made again later. */
export function isDynamoUnavailable(err: unknown): boolean {
  return isAwsUnavailable(err) || THROTTLES.some((throttle) => err instanceof throttle);
}

/**
 * The action a refusal names: AWS words every one "User: {arn} is not authorized to perform:
 * {action} on resource: {arn} …" (the local stack's IAM gate too, infra/local/iam-gate.ts).
 */
export function deniedAction(err: unknown): string | undefined {
  return err instanceof Error ? /not authorized to perform: ([\w-]+:[\w*-]+)/.exec(err.message)?.[1] : undefined;
}

/** The message of a refused call to `what` (`table audit`, `distribution E1`): the action, when AWS named it. */
export function accessDeniedMessage(what: string, err: unknown): string {
  const action = deniedAction(err);
  return `${what}: access denied${action ? ` to ${action}` : ''}: the role lacks the grant`;
}

/** DynamoDB has no such table (or index), or not ACTIVE: a deployment that names the wrong one. Not retried. */
export class TableNotFound extends TaskError {
  constructor(message: string, options: { cause: unknown }) {
    super('TableNotFound', message);
    this.cause = options.cause;
  }
}

/**
 * A failed call to `table` as the workflows read it: StoreUnavailable when it may succeed later,
 * AccessDenied or TableNotFound when it never will, otherwise `err` itself. `during` prefixes the
 * message (`render-variant: reading its idempotency record`); `cause` is what the new error keeps
 * (the error it stands for, by default).
 */
export function dynamoFailure(err: unknown, table: string, { during, cause = err }: { during?: string; cause?: unknown } = {}): unknown {
  const what = `${during ? `${during}: ` : ''}table ${table}`;
  if (isDynamoUnavailable(err)) return new StoreUnavailable(`${what} unavailable`, { cause });
  // Not a class of the SDK's: a DynamoDBServiceException named after the answer's __type.
  if (err instanceof Error && err.name === 'AccessDeniedException') return new AccessDenied(accessDeniedMessage(what, err), { cause });
  if (err instanceof ResourceNotFoundException) return new TableNotFound(`${what}: no such table or index, or not active: check the deployment's table names`, { cause });
  return err;
}

/** Awaits a DynamoDB call on `table`: its output, or its failure named for the workflows. */
export async function dynamoCall<T>(table: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw dynamoFailure(err, table);
  }
}

/** Awaits a conditional DynamoDB write on `table`: its output, or undefined when its condition did not hold. */
export async function conditionalWrite<T>(table: string, write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw dynamoFailure(err, table);
  }
}

/** Awaits a conditional DynamoDB write on `table`: true when it was written, false when its condition did not hold. */
export async function writeIf(table: string, write: Promise<unknown>): Promise<boolean> {
  // Mapped to true first: a write whose output is undefined was still written.
  return (await conditionalWrite(table, write.then(() => true))) ?? false;
}
