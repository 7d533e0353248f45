import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { type Access, type AccessTargets, policyStatement, workflowAccess } from '../../core/deployment/index.ts';
import { WORKFLOWS } from '../../workflows/index.ts';
import { ORIGIN_REQUEST_ACCESS } from '../../edge/origin/function.ts';
import { synthesizeForAssertions } from '../../test/support/synth.ts';
import { pascalCase } from '../../workflows/common.ts';
import { TASK_NAMES, taskAccess } from '../../tasks/registry.ts';
import { accessTargets } from './access-targets.ts';
import { resourceNames } from './names.ts';

type Json = Record<string, unknown>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

const deployment = synthesizeForAssertions();
const names = resourceNames(deployment.config);
const { pipeline, edge } = deployment.stacks;

/** CloudFormation intrinsics as readable strings: `Logical.Arn`, `output:{stack}` for a cross-stack value. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = value as Json;
  if (json['Fn::GetAtt']) return (json['Fn::GetAtt'] as string[]).join('.');
  if (json.Ref === 'AWS::Partition') return 'aws';
  if (typeof json.Ref === 'string') return `${json.Ref}.Ref`;
  if (json['Fn::GetStackOutput']) return `output:${(json['Fn::GetStackOutput'] as { StackName: string }).StackName}`;
  if (json['Fn::Join']) return (json['Fn::Join'] as [string, unknown[]])[1].map(flatten).join((json['Fn::Join'] as [string])[0]);
  throw new Error(`no reading of ${JSON.stringify(value)}`);
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The statements of the role of the function whose logical id starts with `prefix`. */
function roleStatements(template: { Resources: Record<string, Json> }, prefix: string) {
  const functions = Object.entries(template.Resources).filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix));
  expect(functions).toHaveLength(1);
  const [, fn] = functions[0]!;
  const [role] = ((fn.Properties as Json).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'];
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify((r.Properties as Json).Roles).includes(`"${role}"`))
    .flatMap((r) => ((r.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement))
    .map((s) => ({ effect: s.Effect, actions: asList(s.Action), resources: asList(s.Resource).map(flatten) }));
}

const expected = (accesses: readonly Access[], targets: AccessTargets) =>
  accesses.map((access) => {
    const { actions, resources } = policyStatement(access, targets);
    return { effect: 'Allow', actions, resources };
  });

describe('every role is exactly its declared access', () => {
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => `${pipeline.getLogicalId(construct.node.defaultChild as CfnElement)}.Arn`;
  const targets = accessTargets(names, {
    tables: {
      idempotency: { tableArn: logicalId(pipeline.tables.idempotency) },
      originals: { tableArn: logicalId(pipeline.tables.originals) },
      invalidationQueue: { tableArn: logicalId(pipeline.tables.invalidationQueue) },
      audit: { tableArn: logicalId(pipeline.tables.audit) },
    },
    keyValueStoreArn: `output:${edge.stackName}`,
    distributionArn: `arn:aws:cloudfront::${deployment.config.account}:distribution/output:${deployment.stacks.delivery.stackName}`,
  });
  const template = deployment.template('pipeline').toJSON() as { Resources: Record<string, Json> };
  const logicalIdOfFunction = (task: string) =>
    `${Object.keys(template.Resources).find((id) => template.Resources[id]!.Type === 'AWS::Lambda::Function' && id.startsWith(pascalCase(task)))}.Arn`;

  it.each(TASK_NAMES)('the %s function may make the calls tasks/registry.ts declares, and no other', (task) => {
    expect(roleStatements(template, pascalCase(task))).toEqual(expected(taskAccess(task), targets));
  });

  it.each(WORKFLOWS.map((w) => w.name))('the %s state machine may invoke its tasks and make its integrations\' calls, and no other (besides tracing and logs)', (name) => {
    const workflow = WORKFLOWS.find((w) => w.name === name)!;
    const machine = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith(`${pascalCase(name)}StateMachine`));
    const [role] = ((machine![1].Properties as Json).RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'];
    const statements = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify((r.Properties as Json).Roles).includes(`"${role}"`))
      .flatMap((r) => (r.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement)
      .map((st) => ({ effect: st.Effect, actions: asList(st.Action), resources: asList(st.Resource).map(flatten) }))
      .filter((st) => !st.actions.every((action) => /^(xray|logs):/.test(action)));
    // A state machine's ARN is its Ref.
    const stateMachineArn = (w: string) => `${pipeline.getLogicalId(pipeline.stateMachines.get(w)!.node.defaultChild as CfnElement)}.Ref`;
    const machineTargets = { ...targets, functionArn: logicalIdOfFunction, stateMachineArn };
    expect(statements).toEqual(expected(workflowAccess(Object.values(workflow.tasks), workflow.starts), machineTargets));
  });

  it('the origin-request function may make the calls edge/origin/function.ts declares, and no other', () => {
    const edgeTemplate = deployment.template('edge').toJSON() as { Resources: Record<string, Json> };
    expect(roleStatements(edgeTemplate, 'OriginRequestFn')).toEqual(expected(ORIGIN_REQUEST_ACCESS, accessTargets(names, {})));
  });

  it('takedown can ask each replica whether it holds the original before deleting it (HeadObject needs s3:GetObject)', () => {
    const deleteOriginals = roleStatements(template, 'DeleteOriginals');
    const objects = deleteOriginals.find((s) => s.resources.every((r) => r.endsWith('/*')));
    expect(objects?.actions).toEqual(['s3:GetObject', 's3:DeleteObject']);
  });
});
