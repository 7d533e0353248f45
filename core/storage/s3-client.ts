import { S3Client } from '@aws-sdk/client-s3';

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

/** Dropping a connection that never answers is what lets a read fail over to the next region. */
const CONNECTION_TIMEOUT_MS = 1_000;
const SOCKET_IDLE_TIMEOUT_MS = 3_000;

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
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: SOCKET_IDLE_TIMEOUT_MS },
    ...(options.endpoint
      ? { endpoint: options.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }
      : {}),
  });
}
