/**
 * Every DynamoDB call of the tasks goes through here (the idempotency table's through defineTask),
 * so its failure is named once for the workflows (docs/aws-limits.md §L): throttling, a server
 * fault (5xx) or no answer at all is StoreUnavailable, which they retry with backoff; a failed
 * condition is the caller's to read; anything else (a ValidationException: our bug) is thrown as
 * it is, and no workflow retries it.
 */
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  type DynamoDBServiceException,
} from '@aws-sdk/client-dynamodb';
import { StoreUnavailable } from '../../core/index.ts';

const THROTTLES = [ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded];

/** What Node calls a connection that failed or broke before DynamoDB answered. */
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a failed DynamoDB call may succeed if made again later. */
export function isDynamoUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const status = (err as Partial<DynamoDBServiceException>).$metadata?.httpStatusCode ?? 0;
  return (
    // Any 5xx: the SDK names one it does not model after its __type (ServiceUnavailable), and one
    // without a JSON body (a gateway's page) is a SyntaxError that still carries the status.
    status >= 500 ||
    THROTTLES.some((throttle) => err instanceof throttle) ||
    // The SDK's attempt, connection and socket timeouts (awsClientConfig) are all named TimeoutError.
    err.name === 'TimeoutError' ||
    NETWORK_ERROR_CODES.has((err as NodeJS.ErrnoException).code ?? '')
  );
}

/** A failed call to `table` as the workflows read it: StoreUnavailable when it may succeed later, otherwise itself. */
function named(err: unknown, table: string): unknown {
  return isDynamoUnavailable(err) ? new StoreUnavailable(`table ${table} unavailable`, { cause: err }) : err;
}

/** Awaits a DynamoDB call on `table`: its output, or its failure named for the workflows. */
export async function dynamoCall<T>(table: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw named(err, table);
  }
}

/** Awaits a conditional DynamoDB write on `table`: its output, or undefined when its condition did not hold. */
export async function conditionalWrite<T>(table: string, write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw named(err, table);
  }
}

/** Awaits a conditional DynamoDB write on `table`: true when it was written, false when its condition did not hold. */
export async function writeIf(table: string, write: Promise<unknown>): Promise<boolean> {
  // Mapped to true first: a write whose output is undefined was still written.
  return (await conditionalWrite(table, write.then(() => true))) ?? false;
}
