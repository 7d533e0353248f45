/**
 * What a function may call, said once in our own resource vocabulary: the task
 * registry (tasks/registry.ts) and the origin-request function declare their
 * access in it, the CDK stacks grant exactly the policy statements it resolves
 * to, and the local stack enforces the same statements on every call.
 */

/** The originals bucket of the primary region, of every region, the variants and the quarantine bucket. */
export type BucketGroup = 'primaryOriginals' | 'everyOriginals' | 'variants' | 'quarantine';
export type TableName = 'idempotency' | 'originals' | 'invalidationQueue' | 'audit';

export type Access =
  /** `actions` on every object of the buckets (keys are data named at run time). */
  | { readonly objects: readonly `s3:${string}`[]; readonly in: BucketGroup }
  /** s3:ListBucket, so that a missing key answers 404 rather than 403 (AWS S3 API reference, HeadObject, "Permissions"). */
  | { readonly list: BucketGroup }
  | { readonly table: TableName; readonly actions: readonly `dynamodb:${string}`[]; readonly index?: string }
  | { readonly keyValueStore: readonly `cloudfront-keyvaluestore:${string}`[] }
  | { readonly distribution: readonly `cloudfront:${string}`[] }
  /** lambda:InvokeFunction on these functions (tasks/ names). */
  | { readonly invoke: readonly string[] }
  /** states:StartExecution on these state machines (workflow names). */
  | { readonly startExecution: readonly string[] };

/** Where the resources are: bucket names, ARNs (CloudFormation tokens in CDK, local ARNs in the local stack). */
export interface AccessTargets {
  buckets(group: BucketGroup): readonly string[];
  tableArn(table: TableName): string;
  readonly keyValueStoreArn: string;
  readonly distributionArn: string;
  /** The unqualified ARN a workflow calls the task's function by. */
  functionArn(task: string): string;
  stateMachineArn(workflow: string): string;
}

export interface PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export const bucketArn = (bucketName: string): string => `arn:aws:s3:::${bucketName}`;
export const objectsArn = (bucketName: string): string => `${bucketArn(bucketName)}/*`;

/** The Allow statement one access resolves to. */
export function policyStatement(access: Access, targets: AccessTargets): PolicyStatement {
  if ('objects' in access) return { actions: access.objects, resources: targets.buckets(access.in).map(objectsArn) };
  if ('list' in access) return { actions: ['s3:ListBucket'], resources: targets.buckets(access.list).map(bucketArn) };
  if ('table' in access) {
    const table = targets.tableArn(access.table);
    // The one index it queries, never `index/*`.
    return { actions: access.actions, resources: [table, ...(access.index ? [`${table}/index/${access.index}`] : [])] };
  }
  if ('keyValueStore' in access) {
    return { actions: ['cloudfront-keyvaluestore:DescribeKeyValueStore', ...access.keyValueStore], resources: [targets.keyValueStoreArn] };
  }
  if ('invoke' in access) return { actions: ['lambda:InvokeFunction'], resources: access.invoke.map((task) => targets.functionArn(task)) };
  if ('startExecution' in access) return { actions: ['states:StartExecution'], resources: access.startExecution.map((name) => targets.stateMachineArn(name)) };
  return { actions: access.distribution, resources: [targets.distributionArn] };
}

/** A workflow's Task binding (workflows/common.ts): a task's function, or a service integration. */
export type TaskBinding = { readonly lambda: string } | { readonly integration: string };

/** The integrations a workflow may use, and what its role needs for each (the upload workflow starts render). */
const INTEGRATION_ACCESS: Readonly<Record<string, (starts: readonly string[]) => Access>> = {
  'states:startExecution': (starts) => ({ startExecution: starts }),
  'aws-sdk:cloudfront:createInvalidation': () => ({ distribution: ['cloudfront:CreateInvalidation'] }),
};

/** What a state machine's role allows: invoking its tasks' functions, its integrations' calls, starting the workflows it `starts`. */
export function workflowAccess(bindings: readonly TaskBinding[], starts: readonly string[]): Access[] {
  const tasks = [...new Set(bindings.flatMap((binding) => ('lambda' in binding ? [binding.lambda] : [])))];
  const integrations = [...new Set(bindings.flatMap((binding) => ('integration' in binding ? [binding.integration] : [])))];
  return [
    ...(tasks.length > 0 ? [{ invoke: tasks }] : []),
    ...integrations.map((integration) => {
      const access = INTEGRATION_ACCESS[integration];
      if (!access) throw new Error(`no permission known for the integration ${integration}`);
      return access(starts);
    }),
  ];
}

/** An IAM policy document of these accesses, as the local stack evaluates it. */
export function policyDocument(accesses: readonly Access[], targets: AccessTargets) {
  return {
    Version: '2012-10-17',
    Statement: accesses.map((access) => {
      const { actions, resources } = policyStatement(access, targets);
      return { Effect: 'Allow', Action: [...actions], Resource: [...resources] };
    }),
  };
}
