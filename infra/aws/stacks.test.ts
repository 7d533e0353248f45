import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_PARAMS, CACHE_KEY_PARAMS, EDGE_MAX_AGE_SECONDS, EMPTY_SLOT, FRESHNESS_SLOTS, MAX_KVS_BYTES, ORIGINALS_REGIONS } from '../../core/index.ts';
import { ORIGIN_ROLE_HEADER } from '../../edge/origin/origin-request.ts';
import { VIEWER_FUNCTION_FILE } from '../../edge/viewer/artifact.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { aslFile, WORKFLOWS } from '../../workflows/index.ts';
import { TASK_NAMES } from '../../tasks/registry.ts';
import { EDGE_NODE_RUNTIME } from './lambda-runtime.ts';
import { resourceNames } from './names.ts';
import { repoPath } from './paths.ts';
import { FAILOVER_STATUS_CODES } from './stacks/delivery.ts';
import { synthesizeForAssertions, type SynthesizedDeployment } from '../../test/support/synth.ts';

const REPLICA_REGIONS = ORIGINALS_REGIONS.filter((region) => region !== 'us-east-1');

let deployment: SynthesizedDeployment;
const names = () => resourceNames(deployment.config);

beforeAll(async () => {
  await buildViewerFunction();
  deployment = synthesizeForAssertions();
}, 60_000);

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const resourcesOf = (json: { Resources?: Resources }, type: string) =>
  Object.entries(json.Resources ?? {}).filter(([, resource]) => resource.Type === type);

describe('storage: originals in three regions', () => {
  it('has a versioned, private, encrypted originals bucket in each region, with noncurrent versions expiring', () => {
    for (const region of ORIGINALS_REGIONS) {
      deployment.storageTemplate(region).hasResourceProperties('AWS::S3::Bucket', {
        BucketName: names().originalsBucket(region),
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 1 }, ExpiredObjectDeleteMarker: true })]) },
      });
    }
  });

  it('replicates the primary bucket to the other two regions, delete markers included', () => {
    const bucket = deployment.storageTemplate('us-east-1').findResources('AWS::S3::Bucket', { Properties: { BucketName: names().originalsBucket('us-east-1') } });
    const rules = (Object.values(bucket)[0] as any).Properties.ReplicationConfiguration.Rules as any[];
    expect(rules.map((rule) => [JSON.stringify(rule.Destination.Bucket), rule.DeleteMarkerReplication.Status, rule.Status])).toEqual(
      REPLICA_REGIONS.map((region) => [expect.stringContaining(names().originalsBucket(region)), 'Enabled', 'Enabled']),
    );
    for (const region of REPLICA_REGIONS) {
      expect(JSON.stringify(deployment.storageTemplate(region).toJSON())).not.toContain('ReplicationConfiguration');
    }
  });

  it('names the replication role per stack, not CDK\'s fixed account-wide CDKReplicationRole', () => {
    const roles = Object.values(deployment.storageTemplate('us-east-1').findResources('AWS::IAM::Role')) as any[];
    const replication = roles.filter((role) => JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('s3.amazonaws.com'));
    expect(replication).toHaveLength(1);
    expect(JSON.stringify(replication[0].Properties.RoleName ?? '')).not.toContain('CDKReplicationRole');
  });

  it('sends Object Created of the primary bucket to EventBridge only there', () => {
    deployment.storageTemplate('us-east-1').hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    for (const region of REPLICA_REGIONS) deployment.storageTemplate(region).resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('denies plain HTTP on every bucket of every stack', () => {
    const stacks = deployment.app.node.children.filter((child) => 'templateOptions' in child);
    const templates = [...ORIGINALS_REGIONS.map((r) => deployment.storageTemplate(r)), ...(['delivery', 'audit'] as const).map((s) => deployment.template(s))];
    expect(stacks.length).toBe(7);
    for (const template of templates) {
      const buckets = resourcesOf(template.toJSON(), 'AWS::S3::Bucket').length;
      const tlsOnly = resourcesOf(template.toJSON(), 'AWS::S3::BucketPolicy').filter(([, policy]) =>
        JSON.stringify(policy.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
      ).length;
      expect(tlsOnly).toBe(buckets);
    }
  });
});

describe('tenant prefix scoping', () => {
  it("gives each tenant an upload role that can put objects under its own prefix of the primary bucket, and nothing else", () => {
    const template = deployment.storageTemplate('us-east-1').toJSON();
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('Upload'));
    expect(policies).toHaveLength(deployment.config.tenants.length);
    for (const tenant of deployment.config.tenants) {
      const [, policy] = policies.find(([id]) => id.startsWith(`Upload${tenant.name}`)) ?? [];
      expect(policy?.Properties.PolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: `arn:aws:s3:::${names().originalsBucket('us-east-1')}/${tenant.name}/*` },
      ]);
    }
  });
  // Every other policy of every stack: infra/aws/tenant-scope.test.ts.
});

describe('edge: viewer function, KeyValueStore, Lambda@Edge, key groups', () => {
  it('retains every Lambda@Edge version: CloudFormation could not delete a replicated one for hours', () => {
    const versions = Object.values(deployment.template('edge').findResources('AWS::Lambda::Version')) as any[];
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect([version.DeletionPolicy, version.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  it('ships the built dist/edge/viewer-request.js as a cloudfront-js-2.0 function with the KeyValueStore', () => {
    deployment.template('edge').hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: readFileSync(VIEWER_FUNCTION_FILE, 'utf8'),
      FunctionConfig: { Runtime: 'cloudfront-js-2.0', KeyValueStoreAssociations: [{ KeyValueStoreARN: Match.anyValue() }] },
      AutoPublish: true,
    });
  });

  const keyValueStoreSeed = () => {
    const store = Object.values(deployment.template('edge').findResources('AWS::CloudFront::KeyValueStore'))[0] as any;
    const assetKey = /\/([0-9a-f]{64}\.json)$/.exec(JSON.stringify(store.Properties.ImportSource.SourceArn['Fn::Join'][1][2]).slice(1, -1))?.[1];
    return JSON.parse(readFileSync(join(deployment.outdir, `asset.${assetKey}`), 'utf8')) as { data: Array<{ key: string; value: string }> };
  };

  const tenantSeed = () => keyValueStoreSeed().data.filter((entry) => entry.key.startsWith('t:'));

  it("seeds the KeyValueStore with every tenant's config: ladder and signing mode", () => {
    expect(tenantSeed()).toEqual([
      { key: 't:demo', value: '{}' },
      { key: 't:shop', value: '{"ladder":[320,640,1280],"signing":"hmac"}' },
      { key: 't:signed', value: '{"signing":"key-group"}' },
    ]);
  });

  it('seeds every freshness slot, empty, within the import limits (a missing slot is an outage to the viewer function)', () => {
    const slots = keyValueStoreSeed().data.filter((entry) => entry.key.startsWith('s:'));
    expect(slots).toHaveLength(FRESHNESS_SLOTS);
    expect(new Set(slots.map((slot) => slot.key)).size).toBe(FRESHNESS_SLOTS);
    expect(slots.every((slot) => slot.value === EMPTY_SLOT)).toBe(true);
    const bytes = keyValueStoreSeed().data.reduce((sum, { key, value }) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
    expect(bytes).toBeLessThan(MAX_KVS_BYTES / 4);
  });

  it('writes every tenant config and each key-group public key id → tenant (p:{Key-Pair-Id}) on every deploy', () => {
    const edge = deployment.template('edge');
    const publicKey = Object.keys(edge.findResources('AWS::CloudFront::PublicKey'))[0];
    edge.resourceCountIs('Custom::TenantKeys', 1);
    edge.hasResourceProperties('Custom::TenantKeys', {
      KvsArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeyValueStore'), 'Arn'] },
      // The same configs as the import seed, which only applies when the store is created.
      Entries: [
        ...tenantSeed().map(({ key, value }) => ({ Key: key, Value: value })),
        { Key: { 'Fn::Join': ['', ['p:', { Ref: publicKey }]] }, Value: 'signed' },
      ],
    });
    edge.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:UpdateKeys'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeyValueStore'), 'Arn'] },
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^TenantKeysFunction') }],
    });
  });

  it('outputs the KeyValueStore ARN, where ops put HMAC secrets', () => {
    deployment.template('edge').hasOutput('KeyValueStoreArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeyValueStore'), 'Arn'] } });
  });

  it('holds no HMAC secret: no k: key in the seed, the templates or the config', () => {
    expect(keyValueStoreSeed().data.filter((entry) => entry.key.startsWith('k:'))).toEqual([]);
    for (const stack of ['edge', 'delivery', 'pipeline'] as const) expect(JSON.stringify(deployment.template(stack).toJSON())).not.toMatch(/"k:[a-z0-9-]+:/);
  });

  it('deploys the origin-request renderer as x86_64 Lambda@Edge on the newest runtime Lambda@Edge documents (edgelambda may assume its role)', () => {
    const edge = deployment.template('edge');
    // nodejs22.x: CloudFront's Lambda@Edge runtime list stops there (infra/aws/lambda-runtime.ts); the regional functions run 24.
    edge.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'], Handler: 'index.handler', Runtime: EDGE_NODE_RUNTIME.name, Timeout: 30 });
    expect(EDGE_NODE_RUNTIME.name).toBe('nodejs22.x');
    edge.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'edgelambda.amazonaws.com' } })]) },
    });
    edge.resourceCountIs('AWS::Lambda::Version', 1);
  });

  it('creates a key group per signed-URL tenant only', () => {
    const edge = deployment.template('edge');
    edge.resourceCountIs('AWS::CloudFront::KeyGroup', 1);
    edge.resourceCountIs('AWS::CloudFront::PublicKey', 1);
    edge.hasResourceProperties('AWS::CloudFront::PublicKey', { PublicKeyConfig: { Name: 'imgtest-edge-signed-k2026', EncodedKey: Match.stringLikeRegexp('BEGIN PUBLIC KEY') } });
  });
});

describe('WAF', () => {
  it('is a CLOUDFRONT-scope web ACL with managed groups, the rate rule and one hotlink rule per tenant with allowed domains', () => {
    const acl = Object.values(deployment.template('edge').findResources('AWS::WAFv2::WebACL'))[0] as any;
    expect(acl.Properties.Scope).toBe('CLOUDFRONT');
    expect(acl.Properties.Rules.map((rule: any) => rule.Name)).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'rate-per-ip',
      'hotlink-shop',
    ]);
    const rate = acl.Properties.Rules.find((rule: any) => rule.Name === 'rate-per-ip');
    expect(rate.Statement.RateBasedStatement).toMatchObject({ Limit: 5000, AggregateKeyType: 'IP' });
    expect(rate.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
  });
});

describe('delivery: the distribution', () => {
  const distribution = () => (Object.values(deployment.template('delivery').findResources('AWS::CloudFront::Distribution'))[0] as any).Properties.DistributionConfig;

  it('keeps variants in a private, encrypted bucket whose long tail moves to Intelligent-Tiering', () => {
    deployment.template('delivery').hasResourceProperties('AWS::S3::Bucket', {
      BucketName: names().variantsBucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Transitions: [Match.objectLike({ StorageClass: 'INTELLIGENT_TIERING' })] })]) },
    });
  });

  it("keys the cache on the allowlisted query params, the tenant's background and the generation only: no headers, no cookies, no Accept-Encoding; a day at most", () => {
    expect(CACHE_KEY_PARAMS).toEqual([...ALLOWED_PARAMS, 'bg', 'v'].sort());
    deployment.template('delivery').hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MaxTTL: EDGE_MAX_AGE_SECONDS,
        DefaultTTL: EDGE_MAX_AGE_SECONDS,
        ParametersInCacheKeyAndForwardedToOrigin: {
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: [...CACHE_KEY_PARAMS] },
          HeadersConfig: { HeaderBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
          EnableAcceptEncodingGzip: false,
          EnableAcceptEncodingBrotli: false,
        },
      },
    });
  });

  it('reads the variants bucket through an origin group [variants → render] behind Origin Shield, failing over on 403/404/5xx', () => {
    const config = distribution();
    expect(config.Origins).toHaveLength(2);
    for (const origin of config.Origins) {
      expect(origin.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'us-east-1' });
      expect(origin.OriginAccessControlId).toBeDefined();
    }
    expect(config.Origins.map((o: any) => o.OriginCustomHeaders)).toEqual([
      [{ HeaderName: ORIGIN_ROLE_HEADER, HeaderValue: 'variants' }],
      [{ HeaderName: ORIGIN_ROLE_HEADER, HeaderValue: 'render' }],
    ]);
    const group = config.OriginGroups.Items[0];
    expect(group.Members.Items.map((m: any) => m.OriginId)).toEqual(config.Origins.map((o: any) => o.Id));
    expect(group.FailoverCriteria.StatusCodes.Items).toEqual(FAILOVER_STATUS_CODES);
  });

  it('runs the viewer function on viewer-request and the renderer on origin-request, with compression off', () => {
    const behavior = distribution().DefaultCacheBehavior;
    expect(behavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
    expect(behavior.LambdaFunctionAssociations).toEqual([{ EventType: 'origin-request', IncludeBody: false, LambdaFunctionARN: expect.anything() }]);
    expect(behavior.Compress).toBe(false);
    expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
  });

  it("gives a signed-URL tenant its own behavior that trusts only that tenant's key group", () => {
    const behaviors = distribution().CacheBehaviors;
    expect(behaviors.map((b: any) => [b.PathPattern, b.TrustedKeyGroups.length])).toEqual([['/signed/*', 1]]);
  });

  it('serves the domain with its certificate, TLS 1.2+, logs, WAF, and A/AAAA aliases in Route 53', () => {
    const config = distribution();
    expect(config.Aliases).toEqual(['img.example.com']);
    expect(config.ViewerCertificate).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    expect(config.WebACLId).toBeDefined();
    for (const type of ['A', 'AAAA']) {
      deployment.template('delivery').hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'img.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789TEST',
        AliasTarget: { DNSName: { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }, HostedZoneId: Match.anyValue() },
      });
    }
  });
});

describe('pipeline', () => {
  it('loads each state machine from its asl/ file and substitutes exactly its placeholders', () => {
    const machines = resourcesOf(deployment.template('pipeline').toJSON(), 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(WORKFLOWS.length);
    for (const workflow of WORKFLOWS) {
      const [, machine] = machines.find(([, m]) => m.Properties.StateMachineName === `imgtest-${workflow.name}`) ?? [];
      expect(machine, workflow.name).toBeDefined();
      expect(Object.keys(machine!.Properties.DefinitionSubstitutions).sort()).toEqual(workflow.placeholders);
      const key: string = machine!.Properties.DefinitionS3Location.Key;
      const staged = readFileSync(join(deployment.outdir, `asset.${key}`), 'utf8');
      expect(staged, workflow.name).toBe(readFileSync(repoPath(aslFile(workflow)), 'utf8'));
      expect(machine!.Properties).toMatchObject({ TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ALL' } });
    }
  });

  it('starts upload on Object Created of the primary originals bucket, with a dead-letter queue', () => {
    deployment.template('pipeline').hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [names().originalsBucket('us-east-1')] } } },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } })],
    });
  });

  it('starts invalidation-flush every minute', () => {
    deployment.template('pipeline').hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^InvalidationFlushStateMachine') } })],
    });
  });

  it('runs the renderers on x86_64 (as Lambda@Edge) and every other task on arm64, the Go planner as provided.al2023', () => {
    const functions = resourcesOf(deployment.template('pipeline').toJSON(), 'AWS::Lambda::Function').map(([id, fn]) => [
      id.replace(/[0-9A-F]{8}$/, ''),
      fn.Properties.Architectures[0],
      fn.Properties.Runtime,
    ]);
    expect(functions).toHaveLength(TASK_NAMES.length);
    for (const [id, architecture, runtime] of functions) {
      if (id === 'PlanInvalidations') expect([architecture, runtime]).toEqual(['arm64', 'provided.al2023']);
      else if (id === 'ValidateOriginal' || id === 'RenderVariant') expect([id, architecture]).toEqual([id, 'x86_64']);
      else expect([id, architecture, runtime]).toEqual([id, 'arm64', 'nodejs24.x']);
    }
  });

  it('keeps the idempotency, originals, invalidation-queue and audit tables, with point-in-time recovery', () => {
    const tables = resourcesOf(deployment.template('pipeline').toJSON(), 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(4);
    for (const [, table] of tables) expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('raises an alarm on any failed execution of each workflow and on any undelivered upload event', () => {
    const alarms = resourcesOf(deployment.template('pipeline').toJSON(), 'AWS::CloudWatch::Alarm').map(([, alarm]) => [
      alarm.Properties.MetricName,
      alarm.Properties.Threshold,
    ]);
    expect(alarms).toEqual([...WORKFLOWS.map(() => ['ExecutionsFailed', 1]), ['ApproximateNumberOfMessagesVisible', 1]]);
  });
});

describe('audit', () => {
  it('records management events everywhere and writes to the three originals buckets', () => {
    deployment.template('audit').hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      EventSelectors: Match.arrayWith([
        Match.objectLike({
          ReadWriteType: 'WriteOnly',
          DataResources: [{ Type: 'AWS::S3::Object', Values: ORIGINALS_REGIONS.map((region) => Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(names().originalsBucket(region))])] })) }],
        }),
      ]),
    });
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in any stack (AwsSolutions)', () => {
    const report = new AwsSolutionsChecks(deployment.app).validateScope(deployment.app);
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));
    expect(findings).toEqual([]);
  });
});
