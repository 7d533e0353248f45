/**
 * cdk-nag (AwsSolutions) acknowledgments that hold for the whole app. Each
 * names the exact finding and why it is acceptable; anything else unacknowledged
 * fails the synth. Acknowledgments that concern one resource sit beside it.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The finding id cdk-nag gives an AWS managed policy attached to a role. */
export const managedPolicyFinding = (policy: string): string =>
  `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`;

/** The finding id cdk-nag gives a wildcard resource in a role's policy. */
export const wildcardResourceFinding = (resource: string): string => `AwsSolutions-IAM5[Resource::${resource}]`;

export function acknowledge(scope: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

export function acknowledgeAppWide(app: IConstruct): void {
  acknowledge(
    app,
    [managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole')],
    'AWSLambdaBasicExecutionRole lets a function write its own CloudWatch logs and nothing else (our functions and the ones CDK adds).',
  );
}
