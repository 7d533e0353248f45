import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** Awaits a conditional DynamoDB write: its output, or undefined when its condition did not hold. */
export async function conditionalWrite<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw err;
  }
}

/** Awaits a conditional DynamoDB write: true when it was written, false when its condition did not hold. */
export async function writeIf(write: Promise<unknown>): Promise<boolean> {
  // Mapped to true first: a write whose output is undefined was still written.
  return (await conditionalWrite(write.then(() => true))) ?? false;
}
