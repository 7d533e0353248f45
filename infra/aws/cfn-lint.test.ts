/**
 * cfn-lint, a check independent of CDK and cdk-nag: every template of the
 * synthesized app (the assertion tests' deployment, and one with every name at
 * its longest) is linted against the CloudFormation resource schemas of its
 * stack's region. Any error fails the test and lists the findings; warnings
 * are printed, and those whose rule docs/cfn-lint.md does not triage are
 * marked. Where cfn-lint is not installed the test is skipped, saying how to
 * install it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { LONGEST_NAMES_DEPLOYMENT } from '../../test/support/longest-names.ts';
import { synthesizeForAssertions, TEST_DEPLOYMENT } from '../../test/support/synth.ts';
import { repoPath } from './paths.ts';

interface Finding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Start: { readonly LineNumber: number }; readonly Path?: readonly (string | number)[] };
}

function installedCfnLint(): string | undefined {
  const run = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

const CFN_LINT = installedCfnLint();
const NAME = 'reports no error on any synthesized template';

/** Lints the templates of one region in one run; exit status 2, 4 and 8 are bits for errors, warnings and informational findings. */
function lint(region: string, templates: readonly string[]): Finding[] {
  const run = spawnSync('cfn-lint', ['--format', 'json', '--regions', region, '--', ...templates], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error || (run.status ?? 1) & ~(2 | 4 | 8)) throw new Error(`cfn-lint failed (exit ${run.status}): ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout || '[]') as Finding[];
}

const describeFinding = (finding: Finding, outdir: string) =>
  `${finding.Rule.Id} ${relative(outdir, finding.Filename)}:${finding.Location.Start.LineNumber} ${finding.Location.Path?.slice(0, 2).join('/') ?? ''}: ${finding.Message}`;

describe('cfn-lint', () => {
  it.skipIf(!CFN_LINT)(
    CFN_LINT ? `${NAME} (${CFN_LINT})` : `${NAME} (skipped: cfn-lint is not on the PATH; install it with \`pip install cfn-lint\`)`,
    async () => {
      await buildViewerFunction();
      const findings: string[] = [];
      const warnings = new Map<string, number>();
      for (const input of [TEST_DEPLOYMENT, LONGEST_NAMES_DEPLOYMENT]) {
        const { app, outdir } = synthesizeForAssertions(input);
        const byRegion = new Map<string, string[]>();
        for (const stack of app.synth().stacks) byRegion.set(stack.environment.region, [...(byRegion.get(stack.environment.region) ?? []), stack.templateFullPath]);
        for (const [region, templates] of byRegion) {
          for (const finding of lint(region, templates)) {
            if (finding.Level === 'Error') findings.push(`${input.name}: ${describeFinding(finding, outdir)}`);
            else warnings.set(finding.Rule.Id, (warnings.get(finding.Rule.Id) ?? 0) + 1);
          }
        }
      }
      const triaged = new Set(readFileSync(repoPath('docs', 'cfn-lint.md'), 'utf8').match(/\b[WI]\d{4}\b/g));
      const summary = [...warnings].map(([rule, count]) => `${rule} ×${count}${triaged.has(rule) ? '' : ' (not triaged in docs/cfn-lint.md)'}`);
      if (summary.length > 0) console.info(`cfn-lint warnings and informational findings: ${summary.join(', ')}`);
      expect(findings, 'cfn-lint errors').toEqual([]);
    },
    180_000,
  );
});
