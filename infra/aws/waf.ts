/** The CLOUDFRONT-scope web ACL (lives in us-east-1), from the deployment's rules (core/deployment/waf-rules.ts). */
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { type DeploymentConfig, visibility, webAclRules } from '../../core/deployment/index.ts';

export function imageWebAcl(scope: Construct, config: DeploymentConfig): wafv2.CfnWebACL {
  return new wafv2.CfnWebACL(scope, 'WebAcl', {
    name: `${config.name}-images`,
    scope: 'CLOUDFRONT',
    defaultAction: { allow: {} },
    rules: webAclRules(config),
    visibilityConfig: visibility(`${config.name}-images`),
  });
}
