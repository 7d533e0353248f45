/**
 * The whole deployment as stacks of one CDK app, in the order they deploy:
 * the two replica regions' storage, the primary storage (replicating to them),
 * the edge, delivery, the pipeline, and the audit trail.
 */
import type { App } from 'aws-cdk-lib';
import { ORIGINALS_REGIONS, type OriginalsRegion } from '../../core/index.ts';
import type { DeploymentConfig } from '../../core/deployment/index.ts';
import { PRIMARY_REGION, resourceNames } from './names.ts';
import { AuditStack } from './stacks/audit.ts';
import { DeliveryStack } from './stacks/delivery.ts';
import { EdgeStack } from './stacks/edge.ts';
import { PipelineStack } from './stacks/pipeline.ts';
import { StorageStack } from './stacks/storage.ts';

export interface ImgedgeStacks {
  readonly storage: Readonly<Record<OriginalsRegion, StorageStack>>;
  readonly edge: EdgeStack;
  readonly delivery: DeliveryStack;
  readonly pipeline: PipelineStack;
  readonly audit: AuditStack;
}

export function defineImgedge(app: App, config: DeploymentConfig): ImgedgeStacks {
  const names = resourceNames(config);
  const storageIn = (region: OriginalsRegion) =>
    new StorageStack(app, names.stack('storage', region), { config, names, region, description: `imgedge originals in ${region}` });
  const replicas = ORIGINALS_REGIONS.filter((region) => region !== PRIMARY_REGION).map(storageIn);
  const primary = storageIn(PRIMARY_REGION);
  // Replication rules need their destination buckets to exist.
  for (const replica of replicas) primary.addStackDependency(replica);
  const storage = Object.fromEntries([primary, ...replicas].map((stack) => [stack.region, stack])) as Record<OriginalsRegion, StorageStack>;

  const edge = new EdgeStack(app, names.stack('edge'), { config, names, description: 'imgedge viewer function, Lambda@Edge renderer, WAF, key groups' });
  const delivery = new DeliveryStack(app, names.stack('delivery'), { config, names, edge, description: 'imgedge distribution, variants bucket, DNS' });
  const pipeline = new PipelineStack(app, names.stack('pipeline'), {
    config,
    names,
    keyValueStore: edge.keyValueStore,
    distribution: delivery.distribution,
    description: 'imgedge Step Functions workflows and tasks',
  });
  // The edge renderer and the tasks reach buckets by name: those must exist first.
  edge.addStackDependency(primary);
  pipeline.addStackDependency(primary);
  const audit = new AuditStack(app, names.stack('audit'), { config, names, description: 'imgedge CloudTrail' });
  return { storage, edge, delivery, pipeline, audit };
}
