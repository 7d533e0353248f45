import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalState } from './local-state.ts';

describe('the local stack\'s state directory', () => {
  const directory = mkdtempSync(join(tmpdir(), 'imgedge-state-test-'));
  afterEach(() => {
    for (const name of readdirSync(directory)) rmSync(join(directory, name), { recursive: true, force: true });
  });

  it('is new the first time, and found again after a release', () => {
    const first = openLocalState({ directory });
    expect(first.existed).toBe(false);
    writeFileSync(join(first.place('s3'), 'object'), 'kept');
    first.release();
    const second = openLocalState({ directory });
    expect(second.existed).toBe(true);
    expect(existsSync(join(directory, 's3', 'object'))).toBe(true);
    second.release();
  });

  it('refuses a second stack while the first holds it, in this process or another live one', async () => {
    const held = openLocalState({ directory });
    expect(() => openLocalState({ directory })).toThrow(expect.objectContaining({ name: 'StateInUse', message: expect.stringContaining(`pid ${process.pid}`) }));
    held.release();

    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(directory, 'stack.pid'), String(other.pid));
      expect(() => openLocalState({ directory })).toThrow(expect.objectContaining({ name: 'StateInUse', message: expect.stringContaining(`pid ${other.pid}`) }));
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
    // Its holder is dead now (a crash): the lock is taken over.
    openLocalState({ directory }).release();
  });

  it('starts empty when fresh, and a temporary one is deleted on release', () => {
    const first = openLocalState({ directory });
    writeFileSync(join(first.place('s3'), 'object'), 'gone');
    first.release();
    const fresh = openLocalState({ directory, fresh: true });
    expect(fresh.existed).toBe(false);
    expect(existsSync(join(directory, 's3'))).toBe(false);
    fresh.release();

    const temporary = openLocalState();
    expect(existsSync(temporary.directory)).toBe(true);
    temporary.release();
    expect(existsSync(temporary.directory)).toBe(false);
  });
});
