/**
 * `npm run deploy` refuses the placeholder account and hosted zone of
 * infra/aws/deployment.ts, naming the file and the `-c account=…` override,
 * and lets a real-looking config through to `cdk deploy --all`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accountOverride, deployRefusal } from './deploy.ts';
import { deployment } from './deployment.ts';
import { repoPath } from './paths.ts';

const REAL = { account: '210987654321', domain: { hostedZoneId: 'Z1D633PJN98FT9' } };

describe('deployRefusal', () => {
  it('refuses the shipped config, naming the file, both fields and the -c account=… override', () => {
    const refusal = deployRefusal(deployment);
    expect(refusal).toContain('infra/aws/deployment.ts');
    expect(refusal).toContain('account: 111111111111 is a placeholder');
    expect(refusal).toContain('npm run deploy -- -c account=');
    expect(refusal).toContain('domain.hostedZoneId: Z0123456789EXAMPLE is a placeholder');
  });

  it('accepts a real-looking account and hosted zone', () => {
    expect(deployRefusal(REAL)).toBeUndefined();
    expect(deployRefusal(REAL, ['--require-approval', 'never'])).toBeUndefined();
  });

  it('refuses a placeholder account alone, and a placeholder zone alone', () => {
    const account = deployRefusal({ ...REAL, account: '111111111111' });
    expect(account).toContain('account: 111111111111 is a placeholder');
    expect(account).not.toContain('hostedZoneId');
    expect(deployRefusal({ ...REAL, account: '123456789012' })).toContain('account: 123456789012 is a placeholder');
    const zone = deployRefusal({ ...REAL, domain: { hostedZoneId: 'Z0123456789EXAMPLE' } });
    expect(zone).toContain('domain.hostedZoneId');
    expect(zone).not.toContain('account:');
  });

  it('takes the account from -c account=… when given, as the app does', () => {
    const placeholderAccount = { ...REAL, account: '111111111111' };
    for (const args of [['-c', 'account=210987654321'], ['--context', 'account=210987654321'], ['--context=account=210987654321']]) {
      expect(accountOverride(args)).toBe('210987654321');
      expect(deployRefusal(placeholderAccount, args)).toBeUndefined();
    }
    expect(deployRefusal(REAL, ['-c', 'account=111111111111'])).toContain('account: 111111111111 is a placeholder');
    expect(accountOverride(['-c', 'other=1'])).toBeUndefined();
  });
});

describe('npm run deploy', () => {
  it('is the package script that runs infra/aws/deploy.ts', () => {
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.deploy).toBe('tsx infra/aws/deploy.ts');
  });

  it('exits 1 with the reason on the shipped placeholders, before any cdk runs', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', repoPath('infra', 'aws', 'deploy.ts')], { cwd: repoPath(), encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('npm run deploy refused: infra/aws/deployment.ts still holds placeholders.');
    expect(run.stdout).toBe('');
  });

  it("is the command the README's Deploy to AWS section gives", () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Deploy to AWS'), readme.indexOf('\n## ', readme.indexOf('## Deploy to AWS') + 1));
    expect(section).toContain('npm run deploy');
  });
});
