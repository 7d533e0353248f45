/**
 * Where the built viewer function lives and how big CloudFront lets it be.
 * Shared by the build (edge/viewer/build.ts), the local CloudFront Functions
 * sandbox (infra/local/cloudfront-function-runtime.ts) and, later, the CDK app.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The one file CloudFront receives (docs/design.md, Contracts). */
export const VIEWER_FUNCTION_FILE = join(ROOT, 'dist', 'edge', 'viewer-request.js');

/**
 * "Maximum size of a function: 10 KB" — CloudFront rejects larger code.
 * docs/aws-limits.md §A (from the CloudFront Developer Guide, cloudfront-limits.html, "Quotas on CloudFront Functions").
 */
export const MAX_FUNCTION_BYTES = 10_240;
