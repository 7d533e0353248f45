/**
 * `npm run deploy [-- <cdk deploy options>]`: `npx cdk deploy --all` with the
 * options passed through, refused while infra/aws/deployment.ts still holds
 * the placeholder account or hosted zone. The placeholders stay in that file
 * so `npx cdk synth` works on any machine, offline (the tests rely on it, with
 * or without `-c account=…`); only a deploy needs the real values.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { deployment } from './deployment.ts';
import { REPO_ROOT } from './paths.ts';

/** The file an operator edits (README, "Configure"). */
export const DEPLOYMENT_FILE = 'infra/aws/deployment.ts';

/** The account ids no deployment has: the file's placeholder, and the example id of AWS's documentation and the README. */
export const PLACEHOLDER_ACCOUNTS: readonly string[] = ['111111111111', '123456789012'];

/** The file's placeholder hosted zone; AWS's examples also spell theirs with EXAMPLE. */
export const isPlaceholderHostedZone = (hostedZoneId: string): boolean => hostedZoneId.includes('EXAMPLE');

/** What deployRefusal reads of a config: the same fields as infra/aws/deployment.ts. */
export interface DeployTarget {
  readonly account: string;
  readonly domain: { readonly hostedZoneId: string };
}

/** The account that `-c account=…` (or `--context account=…`, `--context=account=…`) among the cdk options sets; the last one wins. */
export function accountOverride(args: readonly string[]): string | undefined {
  let account: string | undefined;
  args.forEach((arg, i) => {
    const value = arg === '-c' || arg === '--context' ? args[i + 1] : /^(-c|--context)=/.test(arg) ? arg.slice(arg.indexOf('=') + 1) : undefined;
    if (value?.startsWith('account=')) account = value.slice('account='.length);
  });
  return account;
}

/** Why `npm run deploy` with these cdk options must not deploy `config`, or undefined when it may. */
export function deployRefusal(config: DeployTarget, args: readonly string[] = []): string | undefined {
  const account = accountOverride(args) ?? config.account;
  const problems: string[] = [];
  if (PLACEHOLDER_ACCOUNTS.includes(account)) {
    problems.push(
      `  account: ${account} is a placeholder. Set \`account\` in ${DEPLOYMENT_FILE}, or pass yours: npm run deploy -- -c account=<12-digit account id>`,
    );
  }
  if (isPlaceholderHostedZone(config.domain.hostedZoneId)) {
    problems.push(
      `  domain.hostedZoneId: ${config.domain.hostedZoneId} is a placeholder. Set \`domain\` (name, hostedZoneId, zoneName) in ${DEPLOYMENT_FILE} to your Route 53 public hosted zone.`,
    );
  }
  if (problems.length === 0) return undefined;
  return [`npm run deploy refused: ${DEPLOYMENT_FILE} still holds placeholders.`, ...problems, '(npx cdk synth works with them; a deploy needs the real values.)'].join('\n');
}

function main(args: readonly string[]): void {
  const refusal = deployRefusal(deployment, args);
  if (refusal) {
    console.error(refusal);
    process.exitCode = 1;
    return;
  }
  const cdk = spawnSync('npx', ['cdk', 'deploy', '--all', ...args], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (cdk.error) console.error(`npx cdk deploy did not start: ${cdk.error.message}`);
  process.exitCode = cdk.status ?? 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
