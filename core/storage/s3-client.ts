import { S3Client } from '@aws-sdk/client-s3';
import { sdkAttemptTimeouts } from './deadline.ts';

export interface S3ClientOptions {
  readonly region: string;
  /** Only for emulators; AWS endpoints are derived from the region. */
  readonly endpoint?: string;
  /**
   * Originals are read with one attempt per region: failing over to the next
   * replica beats retrying a region that just failed.
   */
  readonly maxAttempts?: number;
  /** Tags the caller in the User-Agent (the local stack tells replication traffic from reads this way). */
  readonly userAgent?: string;
}

/** Dropping a connection that never opens is what lets a read fail over to the next region. */
export const S3_CONNECTION_TIMEOUT_MS = 1_000;
/**
 * Each attempt of each S3 call, until S3 starts answering (core/storage/deadline.ts, layer 1).
 * S3's own guidance for small objects is to retry a GET or PUT after 2 s and back off
 * from there (https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/timeouts-and-retries-for-latency-sensitive-applications.html);
 * this is the backstop behind the budgets callers set per call (S3_CALL_TIMEOUT_MS,
 * the originals reader's), so it is longer than any of them: it never decides
 * for a caller that has its own budget, it only stops an attempt nobody bounds.
 */
export const S3_FIRST_BYTE_TIMEOUT_MS = 15_000;
/**
 * Each attempt: a socket with no traffic this long (a body that stopped flowing) is dropped.
 * The handler arms a socket timeout of 6 s or more only 3 s into the request (setSocketTimeout's
 * deferral), so a socket silent from the start is dropped after up to 3 s more than this.
 */
export const S3_IDLE_TIMEOUT_MS = 15_000;

/** The one place S3 clients are configured, for Lambda@Edge, the tasks and the local stack alike. */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.userAgent ? { customUserAgent: options.userAgent } : {}),
    // Checksums only where S3 requires them: every body we send is small and
    // integrity-checked by TLS, and s3rver mis-stores streamed aws-chunked bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: sdkAttemptTimeouts({ connectMs: S3_CONNECTION_TIMEOUT_MS, firstByteMs: S3_FIRST_BYTE_TIMEOUT_MS, idleMs: S3_IDLE_TIMEOUT_MS }),
    ...(options.endpoint
      ? { endpoint: options.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }
      : {}),
  });
}
