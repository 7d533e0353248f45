/**
 * What IAM authorizes for one request the local stand-ins receive: the
 * action(s) and resource ARN(s) AWS evaluates, read from the request as the
 * service would (docs/local-iam.md lists the sources). A call this does not
 * know is refused rather than let through unchecked.
 */
import { LOCAL_ACCOUNT, PRIMARY_REGION } from './local-aws.ts';

export type Service = 's3' | 'dynamodb' | 'cloudfront-keyvaluestore' | 'cloudfront';

export interface Need {
  readonly action: string;
  readonly resource: string;
}

export interface SignedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** The caller and the service from a SigV4 or SigV4A Authorization header; undefined when unsigned. */
export function signer(headers: SignedRequest['headers']): { accessKeyId: string; service: string } | undefined {
  const authorization = String(headers.authorization ?? '');
  // SigV4: Credential=AKID/date/region/service/aws4_request; SigV4A drops the region.
  const match = /Credential=([^/,\s]+)\/\d{8}\/(?:[^/,\s]+\/)?([^/,\s]+)\/aws4_request/.exec(authorization);
  return match ? { accessKeyId: match[1]!, service: match[2]! } : undefined;
}

export class UnknownCall extends Error {
  override readonly name = 'UnknownCall';
}

const header = (request: SignedRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export const s3ObjectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

/** Path-style S3 (the SDK's form for an IP endpoint): /bucket/key?subresource. */
export function s3Target(url: string): { bucket: string; key: string; query: URLSearchParams } {
  const parsed = new URL(url, 'http://s3');
  const [, bucket = '', ...key] = parsed.pathname.split('/');
  return { bucket: decodeURIComponent(bucket), key: key.map(decodeURIComponent).join('/'), query: parsed.searchParams };
}

/**
 * The object subresources the S3 stand-in serves (s3rver answers DELETE ?tagging, ?retention,
 * ?legal-hold and others NotImplemented), and the action each request is authorized as:
 * Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * (GetObjectTagging → s3:GetObjectTagging, PutObjectTagging → s3:PutObjectTagging; not
 * s3:GetObject or s3:DeleteObject for the others either: DeleteObjectTagging is
 * s3:DeleteObjectTagging, GetObjectAttributes s3:GetObjectAttributes, GetObjectRetention
 * s3:GetObjectRetention). Any other subresource is an UnknownCall, refused rather than
 * authorized as the object call it is not.
 */
const OBJECT_SUBRESOURCES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  tagging: { GET: 's3:GetObjectTagging', PUT: 's3:PutObjectTagging' },
};

/**
 * Query parameters that name no subresource: the SDK's operation marker (`x-id`), and on a
 * read GetObject's part number and response-header overrides (Amazon S3 API Reference,
 * GetObject, "URI Request Parameters"), which s3:GetObject covers. `versionId` is not here: a
 * version is s3:GetObjectVersion / s3:DeleteObjectVersion, which the stand-ins do not serve.
 */
const PLAIN_PARAMETERS = new Set(['x-id']);
const READ_PARAMETERS = new Set([
  'partNumber',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
]);

function s3Needs(request: SignedRequest): Need[] {
  const { bucket, key, query } = s3Target(request.url);
  const object = s3ObjectArn(bucket, key);
  const method = request.method;
  if (!key) {
    if (method === 'GET' && (query.get('list-type') === '2' || [...query.keys()].every((k) => ['prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'x-id'].includes(k)))) {
      return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` }];
    }
    throw new UnknownCall(`${method} on bucket ${bucket} with ${query}`);
  }
  const reads = method === 'GET' || method === 'HEAD';
  const subresources = [...new Set(query.keys())].filter((name) => !PLAIN_PARAMETERS.has(name) && !(reads && READ_PARAMETERS.has(name)));
  if (subresources.length > 0) {
    const action = subresources.length === 1 ? OBJECT_SUBRESOURCES[subresources[0]!]?.[method] : undefined;
    if (!action) throw new UnknownCall(`${method} ${request.url}: the local S3 serves no ?${subresources.join('&')} on objects`);
    return [{ action, resource: object }];
  }
  if (reads) return [{ action: 's3:GetObject', resource: object }];
  if (method === 'DELETE') return [{ action: 's3:DeleteObject', resource: object }];
  if (method === 'PUT') {
    const needs: Need[] = [{ action: 's3:PutObject', resource: object }];
    const source = header(request, 'x-amz-copy-source');
    if (source) {
      // CopyObject: s3:GetObject on the source, s3:PutObject on the copy (Amazon S3 API Reference,
      // CopyObject, "Permissions"). Neither that page nor the Service Authorization Reference
      // asks for s3:GetObjectTagging on the source when tags are copied (the default
      // x-amz-tagging-directive, COPY), so none is required here (docs/local-iam.md).
      const { bucket: from, key: fromKey } = s3Target(`/${source.replace(/^\//, '')}`);
      needs.push({ action: 's3:GetObject', resource: s3ObjectArn(from, fromKey) });
    }
    if (header(request, 'x-amz-tagging')) needs.push({ action: 's3:PutObjectTagging', resource: object });
    return needs;
  }
  throw new UnknownCall(`${method} ${request.url}`);
}

export const tableArn = (table: string): string => `arn:aws:dynamodb:${PRIMARY_REGION}:${LOCAL_ACCOUNT}:table/${table}`;

function dynamoNeeds(request: SignedRequest): Need[] {
  const operation = /^DynamoDB_\d+\.(\w+)$/.exec(header(request, 'x-amz-target') ?? '')?.[1];
  const body = JSON.parse(request.body.toString('utf8') || '{}') as { TableName?: string; IndexName?: string };
  if (!operation || !body.TableName) throw new UnknownCall(`DynamoDB ${operation ?? '(no X-Amz-Target)'} without one TableName`);
  const table = tableArn(body.TableName);
  return [{ action: `dynamodb:${operation}`, resource: body.IndexName ? `${table}/index/${body.IndexName}` : table }];
}

/** The KeyValueStore API: /key-value-stores/{KvsARN}[/keys[/{Key}]]. */
export function kvsTarget(url: string): { arn: string; key?: string; keys: boolean } {
  const match = /^\/key-value-stores\/([^/?]+)(\/keys(?:\/([^/?]+))?)?/.exec(url);
  if (!match) throw new UnknownCall(`KeyValueStore ${url}`);
  return { arn: decodeURIComponent(match[1]!), keys: match[2] !== undefined, ...(match[3] !== undefined && { key: decodeURIComponent(match[3]) }) };
}

function kvsNeeds(request: SignedRequest): Need[] {
  const { arn, key, keys } = kvsTarget(request.url);
  const operation =
    key !== undefined
      ? ({ GET: 'GetKey', PUT: 'PutKey', DELETE: 'DeleteKey' } as Record<string, string>)[request.method]
      : keys
        ? ({ GET: 'ListKeys', POST: 'UpdateKeys' } as Record<string, string>)[request.method]
        : request.method === 'GET' ? 'DescribeKeyValueStore' : undefined;
  if (!operation) throw new UnknownCall(`KeyValueStore ${request.method} ${request.url}`);
  return [{ action: `cloudfront-keyvaluestore:${operation}`, resource: arn }];
}

export const distributionArn = (id: string): string => `arn:aws:cloudfront::${LOCAL_ACCOUNT}:distribution/${id}`;

function cloudfrontNeeds(request: SignedRequest): Need[] {
  const match = /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)\/invalidation(\/[^/?]+)?/.exec(request.url);
  if (!match) throw new UnknownCall(`CloudFront ${request.method} ${request.url}`);
  const action = request.method === 'POST' ? 'CreateInvalidation' : match[2] ? 'GetInvalidation' : 'ListInvalidations';
  return [{ action: `cloudfront:${action}`, resource: distributionArn(match[1]!) }];
}

const NEEDS: Record<Service, (request: SignedRequest) => Need[]> = {
  s3: s3Needs,
  dynamodb: dynamoNeeds,
  'cloudfront-keyvaluestore': kvsNeeds,
  cloudfront: cloudfrontNeeds,
};

export const isService = (name: string): name is Service => Object.hasOwn(NEEDS, name);

/** What the call needs allowed; throws UnknownCall for a call the stand-ins do not serve. */
export function needs(service: Service, request: SignedRequest): Need[] {
  return NEEDS[service](request);
}
