/**
 * costModel: traffic assumptions → a month's quantities and list-price dollars
 * per line item, per day, and per million images. Pure: no I/O, no clock.
 */
import { assumptionProblem, type Assumptions } from './assumptions.ts';
import { PRICES, tieredCost, unitCost, type Confidence, type PriceName, type UnitPrice } from './prices.ts';
import { dailyQuantities, type DailyQuantities } from './quantities.ts';

export interface LineItem {
  readonly name: string;
  readonly quantityPerMonth: number;
  readonly unit: string;
  readonly usdPerMonth: number;
  readonly usdPerDay: number;
  readonly price: PriceName;
  readonly confidence: Confidence;
}

export interface CostModel {
  readonly assumptions: Assumptions;
  readonly daily: DailyQuantities;
  readonly lineItems: readonly LineItem[];
  readonly usdPerDay: number;
  readonly usdPerMonth: number;
  readonly usdPerMillionImages: number;
}

type UnitPriceName = { [K in PriceName]: (typeof PRICES)[K] extends UnitPrice ? K : never }[PriceName];

interface LineItemSpec {
  readonly name: string;
  readonly price: UnitPriceName;
  readonly perMonth: (q: DailyQuantities, a: Assumptions) => number;
}

const perDay = (daily: (q: DailyQuantities) => number) => (q: DailyQuantities, a: Assumptions) => daily(q) * a.daysPerMonth;

/** Every line item but data transfer out (tiered, below), in the order a request meets them, then the pipeline. */
const LINE_ITEMS: readonly LineItemSpec[] = [
  { name: 'WAF requests', price: 'wafRequests', perMonth: perDay((q) => q.requests) },
  { name: 'WAF web ACL', price: 'wafWebAcl', perMonth: () => 1 },
  { name: 'WAF rules', price: 'wafRules', perMonth: (_, a) => a.wafRules },
  { name: 'CloudFront requests', price: 'cloudfrontHttpsRequests', perMonth: perDay((q) => q.requests) },
  { name: 'Viewer function', price: 'cloudfrontFunctionInvocations', perMonth: perDay((q) => q.requests) },
  { name: 'KeyValueStore reads', price: 'keyValueStoreReads', perMonth: perDay((q) => q.kvsReads) },
  { name: 'Origin Shield requests', price: 'originShieldRequests', perMonth: perDay((q) => q.shieldRequests) },
  { name: 'Lambda@Edge requests', price: 'lambdaEdgeRequests', perMonth: perDay((q) => q.edgeInvocations) },
  { name: 'Lambda@Edge compute', price: 'lambdaEdgeGbSeconds', perMonth: perDay((q) => q.edgeGbSeconds) },
  { name: 'S3 GET/HEAD', price: 's3Gets', perMonth: perDay((q) => q.variantGets + q.originalGets) },
  { name: 'S3 PUT', price: 's3Puts', perMonth: perDay((q) => q.s3Puts) },
  { name: 'S3 storage', price: 's3Storage', perMonth: (q) => q.storedGb },
  { name: 'Replication transfer', price: 'interRegionTransfer', perMonth: perDay((q) => q.replicationGb) },
  { name: 'Step Functions transitions', price: 'stepFunctionsTransitions', perMonth: perDay((q) => q.transitions) },
  { name: 'Lambda task requests', price: 'lambdaRequests', perMonth: perDay((q) => q.taskInvocations) },
  { name: 'Lambda task compute x86_64', price: 'lambdaGbSecondsX86', perMonth: perDay((q) => q.taskGbSecondsX86) },
  { name: 'Lambda task compute arm64', price: 'lambdaGbSecondsArm64', perMonth: perDay((q) => q.taskGbSecondsArm64) },
  { name: 'DynamoDB writes', price: 'dynamoDbWrites', perMonth: perDay((q) => q.dynamoWrites) },
  { name: 'DynamoDB reads', price: 'dynamoDbReads', perMonth: perDay((q) => q.dynamoReads) },
  { name: 'Invalidation paths', price: 'invalidationPaths', perMonth: perDay((q) => q.invalidationPaths) },
];

export function costModel(a: Assumptions): CostModel {
  const problem = assumptionProblem(a);
  if (problem) throw new RangeError(problem);
  const daily = dailyQuantities(a);
  const item = (name: string, price: PriceName, quantityPerMonth: number, unit: string, usdPerMonth: number): LineItem => ({
    name,
    quantityPerMonth,
    unit,
    usdPerMonth,
    usdPerDay: usdPerMonth / a.daysPerMonth,
    price,
    confidence: PRICES[price].confidence,
  });

  const transferGb = daily.dataTransferOutGb * a.daysPerMonth;
  const lineItems = [
    item('Data transfer out', 'cloudfrontDataTransferOut', transferGb, 'GB', tieredCost(transferGb, PRICES.cloudfrontDataTransferOut)),
    ...LINE_ITEMS.map((spec) => {
      const price: UnitPrice = PRICES[spec.price];
      const quantity = spec.perMonth(daily, a);
      return item(spec.name, spec.price, quantity, price.unit, unitCost(quantity, price));
    }),
  ];
  const usdPerMonth = lineItems.reduce((sum, line) => sum + line.usdPerMonth, 0);
  const usdPerDay = usdPerMonth / a.daysPerMonth;
  return {
    assumptions: a,
    daily,
    lineItems,
    usdPerDay,
    usdPerMonth,
    usdPerMillionImages: a.imagesPerDay > 0 ? usdPerDay / (a.imagesPerDay / 1e6) : 0,
  };
}
