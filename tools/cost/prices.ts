/**
 * List prices the cost model uses (US / us-east-1, on demand), each with its
 * source and confidence as in docs/aws-limits.md: C = read in an official
 * AWS source, 3P = third-party text only (check before relying on it).
 * Prices found outside docs/aws-limits.md say so in `source`.
 */

export const PRICES_DATE = '2026-11-25';

export type Confidence = 'C' | '3P' | 'C/3P';

export interface Sourced {
  readonly source: string;
  readonly confidence: Confidence;
}

/** `usd` buys `per` units; the first `freePerMonth` units of a month cost nothing. */
export interface UnitPrice extends Sourced {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly freePerMonth?: number;
}

/** One band of a tiered price: the next `widthGb` GB of the month at `usdPerGb`. */
export interface Tier {
  readonly widthGb: number;
  readonly usdPerGb: number;
}

export interface TieredPrice extends Sourced {
  readonly tiers: readonly Tier[];
  readonly freeGbPerMonth: number;
}

/**
 * Binary units: data transfer and storage are billed in GB of 2^30 bytes, and the
 * CloudFront tiers are published in TB whose first five bands (10+40+100+350+524)
 * close at 1,024 TB = 1 PB, so 1 TB = 1,024 GB here.
 */
export const BYTES_PER_GB = 2 ** 30;
export const GB_PER_TB = 1024;
const TB = GB_PER_TB;

const CLOUDFRONT_PRICING = 'http://aws.amazon.com/cloudfront/pricing';

export const PRICES = {
  cloudfrontHttpsRequests: {
    usd: 0.01,
    per: 10_000,
    unit: 'HTTPS request',
    freePerMonth: 10_000_000,
    source: `kindatechnical.com, factualminds.com (price); always-free 10M requests: ${CLOUDFRONT_PRICING}`,
    confidence: 'C/3P',
  },
  /** US/Mexico/Canada; Europe/Israel/Türkiye has the same tiers (docs/aws-limits.md §C). */
  cloudfrontDataTransferOut: {
    tiers: [
      { widthGb: 10 * TB, usdPerGb: 0.085 },
      { widthGb: 40 * TB, usdPerGb: 0.08 },
      { widthGb: 100 * TB, usdPerGb: 0.06 },
      { widthGb: 350 * TB, usdPerGb: 0.04 },
      { widthGb: 524 * TB, usdPerGb: 0.03 },
      { widthGb: 4 * 1024 * TB, usdPerGb: 0.025 },
      { widthGb: Number.POSITIVE_INFINITY, usdPerGb: 0.02 },
    ],
    freeGbPerMonth: 1 * TB,
    source: CLOUDFRONT_PRICING,
    confidence: 'C',
  },
  cloudfrontFunctionInvocations: {
    usd: 0.1,
    per: 1_000_000,
    unit: 'invocation',
    freePerMonth: 2_000_000,
    source: `cur.vantage.sh, awsnegotiations.com (price); always-free 2M: ${CLOUDFRONT_PRICING}`,
    confidence: 'C/3P',
  },
  keyValueStoreReads: {
    usd: 0.03,
    per: 1_000_000,
    unit: 'KVS read',
    freePerMonth: 2_000_000,
    source:
      'not in docs/aws-limits.md: https://dev.classmethod.jp/articles/cloudfront-keyvaluestore-for-cloudfront-functions-released/ and https://hedgerules.micahrl.com/docs/aws/pricing (price); always-free 2M: ' +
      CLOUDFRONT_PRICING,
    confidence: 'C/3P',
  },
  originShieldRequests: {
    usd: 0.0075,
    per: 10_000,
    unit: 'Origin Shield request',
    source:
      'not in docs/aws-limits.md ("price not confirmed"); $0.0075 per 10k (US) in two third-party docs found by code search, one citing https://aws.amazon.com/cloudfront/pricing/pay-as-you-go/; billing model: cfdoc-2023:origin-shield.md ("Estimating Origin Shield costs")',
    confidence: '3P',
  },
  lambdaEdgeRequests: {
    usd: 0.6,
    per: 1_000_000,
    unit: 'Lambda@Edge request',
    source: 'awsnegotiations.com, blog.blazingcdn.com (no free tier)',
    confidence: '3P',
  },
  lambdaEdgeGbSeconds: {
    usd: 0.00005001,
    per: 1,
    unit: 'GB-s',
    source: 'awsnegotiations.com, blog.blazingcdn.com (1 ms granularity, x86_64 only)',
    confidence: '3P',
  },
  lambdaRequests: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'Lambda request',
    freePerMonth: 1_000_000,
    source: 'cloudchipr.com (price); free tier: aws.amazon.com/lambda/pricing',
    confidence: 'C/3P',
  },
  lambdaGbSecondsX86: {
    usd: 0.0000166667,
    per: 1,
    unit: 'GB-s',
    freePerMonth: 400_000,
    source: 'aws.amazon.com/lambda/pricing (old official example $0.00001667), cloudchipr.com; free 400,000 GB-s/month (account-wide, assigned to x86_64 here)',
    confidence: 'C/3P',
  },
  lambdaGbSecondsArm64: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-s',
    source: 'cloudchipr.com',
    confidence: '3P',
  },
  stepFunctionsTransitions: {
    usd: 0.025,
    per: 1_000,
    unit: 'state transition',
    source: 'gist allenheltondev "AWS Serverless Cost Breakdown" (Standard workflows)',
    confidence: '3P',
  },
  s3Gets: {
    usd: 0.0004,
    per: 1_000,
    unit: 'GET/HEAD',
    source: 'c3x.dev "S3 request fees explained"',
    confidence: '3P',
  },
  s3Puts: {
    usd: 0.005,
    per: 1_000,
    unit: 'PUT/COPY/POST/LIST',
    source: 'c3x.dev "S3 request fees explained"',
    confidence: '3P',
  },
  s3Storage: {
    usd: 0.023,
    per: 1,
    unit: 'GB-month',
    source: 'deepeshsoni.com, cloudtoggle.com (first 50 TB; the cheaper bands beyond are not modelled)',
    confidence: '3P',
  },
  interRegionTransfer: {
    usd: 0.02,
    per: 1,
    unit: 'GB',
    source:
      'not in docs/aws-limits.md ("not confirmed"): https://repost.aws/articles/ARjzluyMS8RbeOOK4MGXRG6Q/cost-effective-methods-for-accessing-s3-buckets-cross-region (us-east-1 → other US/EU regions)',
    confidence: '3P',
  },
  invalidationPaths: {
    usd: 0.005,
    per: 1,
    unit: 'path',
    freePerMonth: 1_000,
    source:
      'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PayingForInvalidation.html; $0.005 from https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/cloudfront.html (a wildcard is one path)',
    confidence: 'C',
  },
  wafWebAcl: {
    usd: 5,
    per: 1,
    unit: 'web ACL-month',
    source: 'c3x.dev "AWS WAF cost explained", awsnegotiations.com',
    confidence: '3P',
  },
  wafRules: {
    usd: 1,
    per: 1,
    unit: 'rule-month',
    source: 'c3x.dev, awsnegotiations.com (a managed rule group counts as one rule)',
    confidence: '3P',
  },
  wafRequests: {
    usd: 0.6,
    per: 1_000_000,
    unit: 'request inspected',
    source: 'c3x.dev, awsnegotiations.com; same price in every Region (AWS networking blog)',
    confidence: '3P',
  },
  dynamoDbWrites: {
    usd: 0.625,
    per: 1_000_000,
    unit: 'write request unit',
    source:
      'not in docs/aws-limits.md: https://airbyte.com/data-engineering-resources/dynamodb-pricing (on demand, US East; older pages say $1.25, the price before the 2024 cut)',
    confidence: '3P',
  },
  dynamoDbReads: {
    usd: 0.125,
    per: 1_000_000,
    unit: 'read request unit',
    source:
      'not in docs/aws-limits.md: https://airbyte.com/data-engineering-resources/dynamodb-pricing (on demand, US East, after the November 2024 cut; price); a strongly consistent read of up to 4 KB is one unit: https://aws.amazon.com/dynamodb/pricing/on-demand/',
    confidence: '3P',
  },
} as const satisfies Record<string, UnitPrice | TieredPrice>;

export type PriceName = keyof typeof PRICES;

/** Dollars for a month's quantity at a unit price, after the month's free allowance. */
export function unitCost(quantityPerMonth: number, price: UnitPrice): number {
  const billable = Math.max(0, quantityPerMonth - (price.freePerMonth ?? 0));
  return (billable / price.per) * price.usd;
}

/** Dollars for a month's GB at a tiered price: the free allowance comes off first, then each band in order. */
export function tieredCost(gbPerMonth: number, price: TieredPrice): number {
  let left = Math.max(0, gbPerMonth - price.freeGbPerMonth);
  let usd = 0;
  for (const tier of price.tiers) {
    const inTier = Math.min(left, tier.widthGb);
    usd += inTier * tier.usdPerGb;
    left -= inTier;
    if (left <= 0) break;
  }
  return usd;
}
