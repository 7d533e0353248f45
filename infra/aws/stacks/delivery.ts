/**
 * The distribution and what it serves from: the variants bucket (read by
 * CloudFront through Origin Access Control), the cache policy that makes the
 * viewer function's canonical query the whole cache key, Origin Shield, the
 * origin group [variants → render], the certificate and the DNS names.
 */
import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CACHE_KEY_PARAMS, EDGE_MAX_AGE_SECONDS, ORIGIN_SHIELD_REGIONS, type OriginalsRegion } from '../../../core/index.ts';
import { HSTS_MAX_AGE_SECONDS, RESPONSE_HEADERS, VARY, type DeploymentConfig } from '../../../core/deployment/index.ts';
import { ORIGIN_ROLE_HEADER, type OriginRole } from '../../../edge/origin/origin-request.ts';
import { accessLogsBucket, privateBucket } from '../buckets.ts';
import { PRIMARY_REGION, type ResourceNames } from '../names.ts';
import type { EdgeStack } from './edge.ts';

/**
 * The primary origin fails over to the render origin on these: 403/404 is
 * "no such variant yet" (S3 answers 403 to CloudFront for a missing key unless
 * it may list), 5xx is the variants bucket failing.
 */
export const FAILOVER_STATUS_CODES = [403, 404, 500, 502, 503, 504];

/**
 * The Origin Shield Region of both origins, and so where every render runs:
 * "When you use Origin Shield with Lambda@Edge, origin-facing triggers (origin
 * request and origin response) run in the AWS Region where Origin Shield is
 * enabled" (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html#origin-shield-and-lambda-at-edge;
 * docs/aws-limits.md §B). It must be one of the three originals Regions (each is
 * an Origin Shield Region, ORIGIN_SHIELD_REGIONS): the origin-request function
 * derives its read order from the Region it runs in (AWS_REGION, core/regions.ts
 * regionsNearestFirst), so the replica here is the primary read of every render
 * and the other two are disaster recovery. us-east-1: beside the primary
 * originals bucket (uploads land there first) and the variants bucket. Moving
 * it is this one line and a deploy; nothing in the edge bundle changes.
 */
export const ORIGIN_SHIELD_REGION: OriginalsRegion = 'us-east-1';

/**
 * The edge keeps a variant at most EDGE_MAX_AGE_SECONDS whatever its object's Cache-Control says
 * (the maximum TTL caps s-maxage and max-age: docs/aws-limits.md §C, "Cache TTLs"): the freshness
 * window's premise (core/contract/freshness.ts). An object without Cache-Control gets the same.
 */
const VARIANT_MAX_TTL = Duration.seconds(EDGE_MAX_AGE_SECONDS);
const VARIANT_DEFAULT_TTL = VARIANT_MAX_TTL;
/** Long-tail variants move to cheaper storage by themselves; a popular one stays in the frequent tier. */
const VARIANTS_TO_INTELLIGENT_TIERING_AFTER = Duration.days(30);

export interface DeliveryStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly names: ResourceNames;
  readonly edge: EdgeStack;
}

export class DeliveryStack extends Stack {
  readonly variants: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly cachePolicy: cloudfront.CachePolicy;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: PRIMARY_REGION } });
    const { config, names, edge } = props;
    if (!(ORIGIN_SHIELD_REGIONS as readonly string[]).includes(ORIGIN_SHIELD_REGION)) throw new Error(`ORIGIN_SHIELD_REGION ${ORIGIN_SHIELD_REGION} is not a Region CloudFront offers Origin Shield in`);
    const accessLogs = accessLogsBucket(this, names.accessLogsBucket('delivery', PRIMARY_REGION));

    this.variants = privateBucket(this, 'Variants', {
      bucketName: names.variantsBucket,
      accessLogs,
      lifecycleRules: [
        {
          id: 'long-tail-to-intelligent-tiering',
          transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: VARIANTS_TO_INTELLIGENT_TIERING_AFTER }],
        },
      ],
    });

    this.cachePolicy = new cloudfront.CachePolicy(this, 'CanonicalImageKey', {
      cachePolicyName: `${config.name}-canonical-image-key`,
      comment: 'The viewer function rewrites the query to the canonical params and the generation; the key is the URI and those, nothing else',
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...CACHE_KEY_PARAMS),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      // Images are already compressed; Accept-Encoding must not split the cache.
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
      minTtl: Duration.seconds(0),
      defaultTtl: VARIANT_DEFAULT_TTL,
      maxTtl: VARIANT_MAX_TTL,
    });

    const originAccessControl = new cloudfront.S3OriginAccessControl(this, 'VariantsAccess', {
      description: 'CloudFront reads variants; nothing else reads the bucket publicly',
    });
    const variantsOrigin = (role: OriginRole) =>
      origins.S3BucketOrigin.withOriginAccessControl(this.variants, {
        originAccessControl,
        originAccessLevels: [cloudfront.AccessLevel.READ],
        originShieldRegion: ORIGIN_SHIELD_REGION,
        customHeaders: { [ORIGIN_ROLE_HEADER]: role },
      });
    const origin = new origins.OriginGroup({
      primaryOrigin: variantsOrigin('variants'),
      fallbackOrigin: variantsOrigin('render'),
      fallbackStatusCodes: FAILOVER_STATUS_CODES,
    });

    const responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'ImageResponseHeaders', {
      responseHeadersPolicyName: `${config.name}-image-response-headers`,
      comment: 'The managed security headers, and Vary: Accept for fmt=auto (core/deployment/response-headers.ts)',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS), override: RESPONSE_HEADERS['strict-transport-security'].override },
        contentTypeOptions: { override: RESPONSE_HEADERS['x-content-type-options'].override },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.SAMEORIGIN, override: RESPONSE_HEADERS['x-frame-options'].override },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: RESPONSE_HEADERS['referrer-policy'].override },
      },
      customHeadersBehavior: { customHeaders: [{ header: 'Vary', value: VARY, override: RESPONSE_HEADERS.vary.override }] },
    });

    const behavior = (trustedKeyGroups?: cloudfront.IKeyGroup[]): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: this.cachePolicy,
      compress: false,
      responseHeadersPolicy,
      functionAssociations: [{ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: edge.viewerRequest }],
      edgeLambdas: [
        { eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST, functionVersion: edge.originRequest.currentVersion, includeBody: false },
      ],
      ...(trustedKeyGroups && { trustedKeyGroups }),
    });

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.domain.hostedZoneId,
      zoneName: config.domain.zoneName,
    });
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: config.domain.name,
      validation: acm.CertificateValidation.fromDns(zone),
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${config.name} images`,
      defaultBehavior: behavior(),
      // A signed-URL tenant gets its own behavior trusting only its key group: its key opens its images alone.
      additionalBehaviors: Object.fromEntries([...edge.keyGroups].map(([tenant, keyGroup]) => [`/${tenant}/*`, behavior([keyGroup])])),
      domainNames: [config.domain.name],
      certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
      webAclId: edge.webAcl.attrArn,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Images are served worldwide; per-tenant geo policy, if any, belongs in the viewer function, not the whole distribution.',
    });

    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId });
    new CfnOutput(this, 'DistributionDomainName', { value: this.distribution.distributionDomainName });
    const alias = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
    new route53.ARecord(this, 'AliasIpv4', { zone, recordName: config.domain.name, target: alias });
    new route53.AaaaRecord(this, 'AliasIpv6', { zone, recordName: config.domain.name, target: alias });
  }
}
