/**
 * The one endpoint the deployed code reaches AWS through locally: every call
 * a function makes (S3, DynamoDB, the KeyValueStore, CloudFront) is signed
 * with its role's name as access key id, checked against that role's policy
 * (the one the CDK app grants, core/deployment/access.ts) by an IAM policy
 * evaluator, refused with the service's AccessDenied when AWS would refuse
 * it, and otherwise served by the stand-in. Choice of evaluator and the
 * sources of each rule: docs/local-iam.md.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isService, needs, type Need, s3Target, type Service, type SignedRequest, signer, UnknownCall } from './iam-actions.ts';
import type { policyDocument } from '../../core/deployment/index.ts';
import type { ServiceResponse } from './key-value-store.ts';
import { LOCAL_ACCOUNT } from './local-aws.ts';
import { loopbackOnly } from './loopback-guard.ts';

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly object[];
}

/** A service the gate hands allowed calls to: a URL to forward to, or a handler in this process. */
export type Backend = string | ((request: SignedRequest) => ServiceResponse | Promise<ServiceResponse>);

export interface IamGateOptions {
  /** Role name (the access key id its function signs with) → its policy. */
  readonly roles: ReadonlyMap<string, PolicyDocument>;
  /** S3 by bucket: each bucket's emulator. */
  readonly s3: (bucket: string) => string | undefined;
  /** A service without a backend here answers 501: the gate's roles do not call it. */
  readonly dynamodb?: Backend;
  readonly keyValueStore?: Backend;
  readonly cloudfront?: Backend;
}

export interface Denial {
  readonly role: string;
  readonly action: string;
  readonly resource: string;
}

export interface IamGate {
  readonly url: string;
  /** Every refused call, oldest first (bounded: the newest MAX_DENIALS). */
  denials(): readonly Denial[];
  /** Whether the role may make a call that does not come over HTTP (a state machine's Task); a refusal is a denial. */
  authorize(role: string, need: Need): Promise<boolean>;
  close(): Promise<void>;
}

const MAX_DENIALS = 1_000;

export const roleArn = (role: string): string => `arn:aws:iam::${LOCAL_ACCOUNT}:role/${role}`;

async function allowed(policy: PolicyDocument, role: string, need: Need): Promise<boolean> {
  const result = await runSimulation(
    {
      request: { principal: roleArn(role), action: need.action, resource: { resource: need.resource, accountId: LOCAL_ACCOUNT }, contextVariables: {} },
      identityPolicies: [{ name: role, policy: policy as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`the IAM evaluator refused the request ${JSON.stringify(need)}: ${JSON.stringify(result.errors)}`);
  return result.overallResult === 'Allowed';
}

/** AWS's wording: "User: {arn} is not authorized to perform: {action} on resource: {arn} because no identity-based policy allows the {action} action". */
const deniedMessage = (role: string, { action, resource }: Need) =>
  `User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${role}/local is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

/** `policy` without `action`, as a forgotten grant would leave it (tests: the call must fail with AccessDenied). */
export function withholding(policy: ReturnType<typeof policyDocument>, action: string | undefined): ReturnType<typeof policyDocument> {
  if (action === undefined) return policy;
  const Statement = policy.Statement.map((statement) => ({ ...statement, Action: statement.Action.filter((a) => a !== action) }));
  return { ...policy, Statement: Statement.filter((statement) => statement.Action.length > 0) };
}

const xml = (status: number, body: string): ServiceResponse => ({ status, headers: { 'content-type': 'application/xml' }, body });

/** Each service's AccessDenied, as its SDK reads it. */
function accessDenied(service: Service, message: string): ServiceResponse {
  switch (service) {
    case 's3':
      return xml(403, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${escapeXml(message)}</Message></Error>`);
    case 'cloudfront':
      return xml(403, `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${escapeXml(message)}</Message></Error></ErrorResponse>`);
    case 'dynamodb':
      return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }) };
    case 'cloudfront-keyvaluestore':
      return { status: 403, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }, body: JSON.stringify({ Message: message }) };
  }
}

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startIamGate(options: IamGateOptions): Promise<IamGate> {
  const denials: Denial[] = [];
  const backends: Record<Exclude<Service, 's3'>, Backend | undefined> = {
    dynamodb: options.dynamodb,
    'cloudfront-keyvaluestore': options.keyValueStore,
    cloudfront: options.cloudfront,
  };

  function record(role: string, need: Need): void {
    denials.push({ role, ...need });
    if (denials.length > MAX_DENIALS) denials.shift();
  }

  function deny(service: Service, role: string, need: Need): ServiceResponse {
    record(role, need);
    return accessDenied(service, deniedMessage(role, need));
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: SignedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
    const caller = signer(req.headers);
    if (!caller || !isService(caller.service)) return send(res, { status: 400, headers: {}, body: `the IAM gate serves signed S3, DynamoDB, KeyValueStore and CloudFront calls, not ${caller?.service ?? 'an unsigned one'}` });
    const { service } = caller;
    const role = caller.accessKeyId;
    const policy = options.roles.get(role);
    let required: Need[];
    try {
      required = needs(service, request);
    } catch (error) {
      if (error instanceof UnknownCall) return send(res, { status: 501, headers: {}, body: `the local stand-ins do not serve this call: ${error.message}` });
      throw error;
    }
    for (const need of required) {
      if (policy && (await allowed(policy, role, need))) continue;
      return send(res, deny(service, role, need));
    }
    if (service === 's3') return forwardS3(request, res, role, policy);
    const backend = backends[service];
    if (backend === undefined) return send(res, { status: 501, headers: {}, body: `no ${service} stand-in behind this gate` });
    if (typeof backend === 'string') return forward(backend, request, res);
    return send(res, await backend(request));
  }

  /** S3 answers 403, not 404, for a missing key the caller may not list (S3 API reference, GetObject and HeadObject, "Permissions"). */
  async function forwardS3(request: SignedRequest, res: ServerResponse, role: string, policy: PolicyDocument | undefined): Promise<void> {
    const { bucket, key } = s3Target(request.url);
    const backend = options.s3(bucket);
    if (!backend) return send(res, xml(404, `<Error><Code>NoSuchBucket</Code><Message>${escapeXml(bucket)}</Message></Error>`));
    const reads = request.method === 'GET' || request.method === 'HEAD';
    const list: Need = { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` };
    const hideMissing = reads && key !== '' && !(policy && (await allowed(policy, role, list)));
    // s3rver knows one access key (it does not check SigV4 signatures): the call is made as that account.
    const asEmulator = { ...request, headers: { ...request.headers, authorization: String(request.headers.authorization).replace(/Credential=[^/]+\//, 'Credential=S3RVER/') } };
    return forward(backend, asEmulator, res, hideMissing ? (status) => (status === 404 ? deny('s3', role, list) : undefined) : undefined);
  }

  const server = createServer(loopbackOnly((req, res) => {
    answer(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`IAM gate: ${error.message}`);
      else res.destroy(error);
    });
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    denials: () => [...denials],
    async authorize(role, need) {
      const policy = options.roles.get(role);
      if (policy && (await allowed(policy, role, need))) return true;
      record(role, need);
      return false;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * What Lambda's environment gives a function whose calls go through `gate`:
 * its Region, credentials whose access key id is its role (the gate reads it
 * from the signature), and every service's endpoint the gate (the SDK reads
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, docs/local-iam.md).
 */
export function callerEnvironment(gate: IamGate, role: string, region: string): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: role,
    AWS_ACCESS_KEY_ID: role,
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: gate.url,
    // The SDK's notice that its 2027 releases need Node 22: the stack's own process prints it once, not every worker.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Its endpoint rules put the account id in front of the host, which an IP address cannot take.
    AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE: `http://localhost:${new URL(gate.url).port}`,
  };
}

function send(res: ServerResponse, response: ServiceResponse): void {
  res.writeHead(response.status, response.headers).end(response.body);
}

/**
 * Hands the call to the stand-in at `base`, byte for byte; `replace` may swap the answer for a given status.
 * A keep-alive connection the stand-in closed as this request was sent on it resets
 * (Node's http docs, `request.reusedSocket`: the race is the server's idle timeout
 * against the client's reuse). The gate is a hop AWS does not have, so it asks again,
 * once, on a fresh connection: its caller must not see a reset of the gate's making.
 */
function forward(
  base: string,
  request: SignedRequest,
  res: ServerResponse,
  replace?: (status: number) => ServiceResponse | undefined,
  retried = false,
): Promise<void> {
  const target = new URL(request.url, base);
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers, host: target.host };
    let answered = false;
    const upstream = httpRequest(target, { method: request.method, headers, ...(retried ? { agent: false } : {}) }, (answer) => {
      answered = true;
      const replacement = replace?.(answer.statusCode ?? 0);
      if (replacement) {
        answer.resume();
        send(res, replacement);
        return resolve();
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // A stand-in that drops the connection mid-body: the caller's connection drops too, as it would from AWS.
      answer.on('aborted', () => res.destroy()).on('error', (error) => res.destroy(error));
      answer.pipe(res).on('finish', resolve).on('close', resolve).on('error', reject);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // Only before any answer: a reset in the middle of a body cannot be asked again (its head went out).
      if (!retried && !answered && upstream.reusedSocket && error.code === 'ECONNRESET') return resolve(forward(base, request, res, replace, true));
      // A stand-in that is down looks like AWS's endpoint not answering: the caller's connection drops.
      res.destroy(error);
      resolve();
    });
    upstream.end(request.body);
  });
}
