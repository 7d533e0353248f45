/**
 * What runs at the edge (us-east-1, CloudFront's region): the viewer-request
 * CloudFront Function from dist/edge/viewer-request.js with its KeyValueStore,
 * the Lambda@Edge origin-request renderer, the web ACL, and the key groups of
 * tenants that use CloudFront signed URLs with their Key-Pair-Id → tenant
 * mapping in the KeyValueStore.
 *
 * HMAC secrets are not here on purpose: nothing in a template or an asset may
 * hold one. Ops put `k:{tenant}:{kid}` with `aws cloudfront-keyvaluestore
 * put-key` (README, "Sign a URL"); until then an hmac tenant refuses every URL.
 */
import { CfnOutput, CustomResource, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { byRegion, freshnessSeed, keyPairTenantKey, type TenantConfig, tenantConfigKey } from '../../../core/index.ts';
import type { DeploymentConfig, TenantDeployment } from '../../../core/deployment/index.ts';
import type { EdgeConfig } from '../../../edge/origin/edge-config.ts';
import { VIEWER_FUNCTION_FILE } from '../../../edge/viewer/artifact.ts';
import { originRequestCode } from '../bundling/origin-request-bundle.ts';
import type { TenantKeyEntry, TenantKeysProperties } from '../tenant-keys/index.ts';
import { EDGE_NODE_RUNTIME, ESM_BUNDLING, NODE_RUNTIME } from '../lambda-runtime.ts';
import { acknowledge } from '../nag.ts';
import { PRIMARY_REGION, type ResourceNames } from '../names.ts';
import { repoPath } from '../paths.ts';
import { grantAccess } from '../s3-access.ts';
import { accessTargets } from '../access-targets.ts';
import { ORIGIN_REQUEST_ACCESS, ORIGIN_REQUEST_HANDLER, ORIGIN_REQUEST_MEMORY_MB, ORIGIN_REQUEST_TIMEOUT_SECONDS } from '../../../edge/origin/function.ts';
import { imageWebAcl } from '../waf.ts';

export interface EdgeStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly names: ResourceNames;
}

/** What the viewer function reads as `t:{tenant}`: the ladder override and how the tenant's URLs must be signed. */
function tenantConfig(tenant: TenantDeployment): TenantConfig {
  return {
    ...(tenant.ladder && { ladder: tenant.ladder }),
    ...(tenant.signing.mode !== 'none' && { signing: tenant.signing.mode }),
  };
}

/** `t:{tenant}` → its config, for every tenant: the store's seed, and what every deploy writes (Custom::TenantKeys). */
function tenantConfigEntries(tenants: readonly TenantDeployment[]): TenantKeyEntry[] {
  return tenants.map((tenant) => ({ Key: tenantConfigKey(tenant.name), Value: JSON.stringify(tenantConfig(tenant)) }));
}

/**
 * The KeyValueStore's first contents: each tenant's config and every freshness slot, empty
 * (the viewer function reads a missing slot as an outage: core/contract/freshness.ts). Later
 * changes go through the KVS API (an import only seeds a new store).
 */
export function keyValueStoreSeed(tenants: readonly TenantDeployment[]): string {
  const tenantEntries = tenantConfigEntries(tenants).map(({ Key, Value }) => ({ key: Key, value: Value }));
  return JSON.stringify({ data: [...tenantEntries, ...freshnessSeed().map(([key, value]) => ({ key, value }))] });
}

export function edgeConfig(names: ResourceNames): EdgeConfig {
  return {
    variantsBucket: { name: names.variantsBucket, region: PRIMARY_REGION },
    originalsBuckets: byRegion((region) => names.originalsBucket(region)),
  };
}

export class EdgeStack extends Stack {
  readonly keyValueStore: cloudfront.KeyValueStore;
  readonly viewerRequest: cloudfront.Function;
  readonly originRequest: cloudfront.experimental.EdgeFunction;
  readonly webAcl: wafv2.CfnWebACL;
  /** Tenant name → its key group, for tenants signing with CloudFront signed URLs. */
  readonly keyGroups: ReadonlyMap<string, cloudfront.KeyGroup>;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: PRIMARY_REGION } });
    const { config, names } = props;

    this.keyValueStore = new cloudfront.KeyValueStore(this, 'KeyValueStore', {
      keyValueStoreName: names.keyValueStore,
      comment: 'Tenant configs (t:), freshness slots: generations and the takedown deny-list (s:), signing keys',
      source: cloudfront.ImportSource.fromInline(keyValueStoreSeed(config.tenants)),
    });
    new CfnOutput(this, 'KeyValueStoreArn', {
      value: this.keyValueStore.keyValueStoreArn,
      description: 'Where ops put the HMAC secrets k:{tenant}:{kid} (README: Sign a URL)',
    });

    this.viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      functionName: `${config.name}-viewer-request`,
      comment: 'Tenant, deny-list, cache-key normalization (edge/viewer)',
      code: cloudfront.FunctionCode.fromFile({ filePath: VIEWER_FUNCTION_FILE }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      keyValueStore: this.keyValueStore,
      autoPublish: true,
    });

    this.originRequest = new cloudfront.experimental.EdgeFunction(this, 'OriginRequest', {
      description: 'Serves a stored variant or renders it from the originals replica of the Region it runs in (the Origin Shield Region), failing over to the others (edge/origin)',
      // The newest Node.js Lambda@Edge documents, not the regional functions' (lambda-runtime.ts).
      runtime: EDGE_NODE_RUNTIME,
      // Lambda@Edge runs x86_64 only.
      architecture: lambda.Architecture.X86_64,
      handler: ORIGIN_REQUEST_HANDLER,
      code: originRequestCode(edgeConfig(names)),
      memorySize: ORIGIN_REQUEST_MEMORY_MB,
      timeout: Duration.seconds(ORIGIN_REQUEST_TIMEOUT_SECONDS),
      // A replicated version cannot be deleted until CloudFront drops its replicas, hours later
      // (docs/aws-limits.md §B): CloudFormation keeps old versions instead of failing the deploy.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    });
    acknowledge(
      this.originRequest,
      ['AwsSolutions-L1'],
      `Lambda@Edge runs Node.js up to ${EDGE_NODE_RUNTIME.name} (CloudFront Developer Guide, Restrictions on Lambda@Edge, Supported runtimes), older than regional Lambda's newest.`,
    );
    grantAccess(this.originRequest, ORIGIN_REQUEST_ACCESS, accessTargets(names, {}));

    this.webAcl = imageWebAcl(this, config);

    const keyPairs: TenantKeyEntry[] = [];
    this.keyGroups = new Map(
      config.tenants.flatMap((tenant) => (tenant.signing.mode === 'key-group' ? [[tenant.name, this.tenantKeyGroup(tenant, keyPairs)] as const] : [])),
    );
    this.writeTenantKeys([...tenantConfigEntries(config.tenants), ...keyPairs]);
  }

  /**
   * Every deploy writes `t:{tenant}` and `p:{Key-Pair-Id}` → tenant (tenant-keys/index.ts): the import only
   * seeds a new store, so without this a tenant switched to signing would stay unsigned in the store.
   */
  private writeTenantKeys(entries: readonly TenantKeyEntry[]): void {
    const fn = new NodejsFunction(this, 'TenantKeysFunction', {
      description: "Writes the deployment's tenant configs (t:) and key pair ids (p:) to the KeyValueStore",
      entry: repoPath('infra', 'aws', 'tenant-keys', 'index.ts'),
      handler: 'handler',
      projectRoot: repoPath(),
      depsLockFilePath: repoPath('package-lock.json'),
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.minutes(1),
      logGroup: new logs.LogGroup(this, 'TenantKeysLogs', { retention: logs.RetentionDays.ONE_MONTH }),
      bundling: ESM_BUNDLING,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:UpdateKeys'],
        resources: [this.keyValueStore.keyValueStoreArn],
      }),
    );
    const properties: TenantKeysProperties = { KvsArn: this.keyValueStore.keyValueStoreArn, Entries: entries };
    new CustomResource(this, 'TenantKeys', { serviceToken: fn.functionArn, resourceType: 'Custom::TenantKeys', properties });
  }

  private tenantKeyGroup(tenant: TenantDeployment, keyPairs: TenantKeyEntry[]): cloudfront.KeyGroup {
    if (tenant.signing.mode !== 'key-group') throw new Error(`tenant ${tenant.name} does not sign with key groups`);
    const keys = tenant.signing.publicKeys.map(
      (key) =>
        new cloudfront.PublicKey(this, `PublicKey-${tenant.name}-${key.id}`, {
          // Public key names are unique per account: the deployment's prefix keeps two deployments apart.
          publicKeyName: `${this.stackName}-${tenant.name}-${key.id}`,
          encodedKey: key.pem,
          comment: `Signed URLs of tenant ${tenant.name}`,
        }),
    );
    keys.forEach((key, i) => {
      // Signers put this id in Key-Pair-Id.
      new CfnOutput(this, `KeyPairId-${tenant.name}-${i}`, { value: key.publicKeyId, description: `Key-Pair-Id of ${key.node.id}` });
      keyPairs.push({ Key: keyPairTenantKey(key.publicKeyId), Value: tenant.name });
    });
    return new cloudfront.KeyGroup(this, `KeyGroup-${tenant.name}`, {
      keyGroupName: `${this.stackName}-${tenant.name}`,
      items: keys,
      comment: `Only signs URLs under /${tenant.name}/`,
    });
  }
}
