/** The planner's own Go tests (plan, input, runtime loop) and vet, run by `npm test` wherever Go is installed. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goAvailable } from './go-toolchain.ts';

const MODULE = fileURLToPath(new URL('.', import.meta.url));
const HAS_GO = goAvailable();

function go(...args: string[]) {
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOPROXY: 'off' };
  return spawnSync('go', args, { cwd: MODULE, env, encoding: 'utf8' });
}

describe.skipIf(!HAS_GO)(`plan-invalidations (Go)${HAS_GO ? '' : ' (skipped: `go` is not on the PATH; install golang-go)'}`, () => {
  it('passes go vet', () => {
    const vet = go('vet', './...');
    expect(vet.stderr + vet.stdout).toBe('');
    expect(vet.status).toBe(0);
  }, 120_000);

  it('passes go test', () => {
    const test = go('test', '-count=1', './...');
    expect(test.status, test.stdout + test.stderr).toBe(0);
  }, 120_000);
});
