import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendLog } from './append-log.ts';
import { VersionedMap } from './key-value-store.ts';

const directory = mkdtempSync(join(tmpdir(), 'imgedge-append-log-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('an append log', () => {
  it('reads back what was appended, skipping a last line a crash cut short', () => {
    const file = join(directory, 'cut.jsonl');
    const log = appendLog<{ n: number }>(file);
    log.append({ n: 1 });
    log.append({ n: 2 });
    appendFileSync(file, '{"n":');
    const restarted = appendLog<{ n: number }>(file);
    expect(restarted.read()).toEqual([{ n: 1 }, { n: 2 }]);
    restarted.append({ n: 4 });
    expect(appendLog(file).read()).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
    log.rewrite([{ n: 3 }]);
    expect(appendLog(file).read()).toEqual([{ n: 3 }]);
  });
});

describe('the KeyValueStore kept in an append log', () => {
  it('is found after a restart as it was: every put and delete, over the seed, compacted to its contents', () => {
    const file = join(directory, 'kvs.jsonl');
    const store = new VersionedMap([['seed', '']], appendLog(file));
    store.set('d:demo/a.jpg', 'DENIED');
    store.set('t:demo', '{}');
    store.delete('t:demo');
    store.set('seed', 'changed');

    const restarted = new VersionedMap([['seed', '']], appendLog(file));
    expect([...restarted]).toEqual([['seed', 'changed'], ['d:demo/a.jpg', 'DENIED']]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
