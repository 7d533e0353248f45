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
import { byRegion, FRESHNESS_SLOTS, freshnessSeed, keyPairTenantKey, tenantConfigKey } from '../../../core/index.ts';
import { type DeploymentConfig, tenantConfig, type TenantDeployment } from '../../../core/deployment/index.ts';
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

/**
 * Custom::TenantKeys runs in seconds, but its first run on a store created before the freshness
 * slots upgrades it (tenant-keys/slots.ts): 65,536 slots at most 50 keys an UpdateKeys is 1,311
 * calls, plus a ListKeys page per 50 keys the store holds (slots left by a run that stopped
 * half-way, which then need no UpdateKeys), about 1,320 sequential calls in all (docs/aws-limits.md
 * §A). AWS documents no request-rate quota for the KeyValueStore API, so latency decides: Lambda's
 * longest timeout, 15 minutes (§H), allows 900 s / 1,320 ≈ 680 ms a call. A run that does not
 * finish answers FAILED 10 s before it (tenant-keys/index.ts, ANSWER_MS) and keeps what it wrote:
 * the next deploy continues from there.
 */
const TENANT_KEYS_TIMEOUT = Duration.minutes(15);
/**
 * CPU comes with memory (one vCPU at 1,769 MB, https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html),
 * and a SigV4A-signed UpdateKeys of 50 keys took 6 ms of one core here: at 128 MB (~1/14 vCPU) the
 * 1,320 calls would spend about 2 minutes signing, at 1,024 MB about 15 s.
 */
const TENANT_KEYS_MEMORY_MB = 1024;

export interface EdgeStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly names: ResourceNames;
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
    const tenantKeys = this.writeTenantKeys([...tenantConfigEntries(config.tenants), ...keyPairs]);
    // The function goes live (autoPublish) when CloudFormation updates it, whatever the distribution
    // (delivery.ts) associates: only once the store has every slot it reads (tenant-keys/slots.ts).
    this.viewerRequest.node.addDependency(tenantKeys);
  }

  /**
   * Every deploy writes `t:{tenant}` and `p:{Key-Pair-Id}` → tenant (tenant-keys/index.ts): the import only
   * seeds a new store, so without this a tenant switched to signing would stay unsigned in the store. It also
   * gives a store created before the freshness slots every slot (tenant-keys/slots.ts).
   */
  private writeTenantKeys(entries: readonly TenantKeyEntry[]): CustomResource {
    const fn = new NodejsFunction(this, 'TenantKeysFunction', {
      description: "Writes the deployment's tenant configs (t:) and key pair ids (p:) to the KeyValueStore, and the freshness slots a store created before them lacks",
      entry: repoPath('infra', 'aws', 'tenant-keys', 'index.ts'),
      handler: 'handler',
      projectRoot: repoPath(),
      depsLockFilePath: repoPath('package-lock.json'),
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: TENANT_KEYS_TIMEOUT,
      memorySize: TENANT_KEYS_MEMORY_MB,
      logGroup: new logs.LogGroup(this, 'TenantKeysLogs', { retention: logs.RetentionDays.ONE_MONTH }),
      bundling: ESM_BUNDLING,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:UpdateKeys'],
        resources: [this.keyValueStore.keyValueStoreArn],
      }),
    );
    // What the upgrade of a store created before the slots reads: the sentinel slot, then every key.
    const upgradeReads = new iam.Policy(this, 'TenantKeysUpgradeReads', {
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudfront-keyvaluestore:GetKey', 'cloudfront-keyvaluestore:ListKeys'],
          resources: [this.keyValueStore.keyValueStoreArn],
        }),
      ],
    });
    fn.role?.attachInlinePolicy(upgradeReads);
    const properties: TenantKeysProperties = {
      KvsArn: this.keyValueStore.keyValueStoreArn,
      Entries: entries,
      FreshnessSlots: String(FRESHNESS_SLOTS),
    };
    const tenantKeys = new CustomResource(this, 'TenantKeys', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::TenantKeys',
      properties,
      // A function that dies without answering fails the deploy then, not after the default hour (ServiceTimeout,
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html).
      serviceTimeout: TENANT_KEYS_TIMEOUT.plus(Duration.minutes(1)),
    });
    // The function's own role policy is in place before it runs (CDK orders that one); the added one too.
    tenantKeys.node.addDependency(upgradeReads);
    return tenantKeys;
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
