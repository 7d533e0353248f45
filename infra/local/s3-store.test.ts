import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsistentFilesystemStore, intentsOfRequest } from './s3-store.ts';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
type Move = readonly [string, string];

describe('the local S3 store after a crash', () => {
  let root: string;
  let staging: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'imgedge-s3-store-'));
    staging = `${root}.staging`;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  });

  /** A put as the emulator makes it, in a request whose intents go once answered (here: once it resolves). */
  const put = (store: ConsistentFilesystemStore, body: Buffer, contentType: string) => {
    const intents: string[] = [];
    return intentsOfRequest.run(intents, async () => {
      await store.putObject({ bucket: 'b', key: 'tenant/photo.jpg', metadata: { 'content-type': contentType }, content: body });
      await Promise.all(intents.map((intent) => rm(intent, { force: true })));
    });
  };

  /** A store whose process dies during a put's moves, after `done` of them (`died` resolves then): nothing after that runs. */
  function dyingAfter(done: number) {
    const store = new ConsistentFilesystemStore(root, staging);
    const real = (store as unknown as { move(moves: readonly Move[]): Promise<void> }).move.bind(store);
    let died = () => {};
    const dead = new Promise<void>((resolve) => (died = resolve));
    Object.assign(store, {
      move: async (moves: readonly Move[]) => {
        await real(moves.slice(0, done));
        died();
        return new Promise(() => {});
      },
    });
    return { store, dead };
  }

  async function stored(store: ConsistentFilesystemStore) {
    const metadata = (await store.getMetadata('b', 'tenant/photo.jpg')) as unknown as Record<string, string>;
    const body = await readFile(store.getResourcePath('b', 'tenant/photo.jpg', 'object'));
    return { etag: metadata.etag, contentType: metadata['content-type'], md5: `"${md5(body)}"` };
  }

  it.each([0, 1, 2])('finishes on the next start a put that died after %i of its 3 moves: the new object whole, with its own metadata', async (done) => {
    const old = new ConsistentFilesystemStore(root, staging);
    await old.recover();
    await put(old, Buffer.from('old bytes'), 'image/png');
    const dying = dyingAfter(done);
    void put(dying.store, Buffer.from('the new bytes'), 'image/jpeg');
    await dying.dead;

    const restarted = new ConsistentFilesystemStore(root, staging);
    await restarted.recover();
    expect(await stored(restarted)).toEqual({ etag: `"${md5(Buffer.from('the new bytes'))}"`, contentType: 'image/jpeg', md5: `"${md5(Buffer.from('the new bytes'))}"` });
    // Its event may never have gone out: announced again, then its intent goes.
    expect(await readdir(staging)).toHaveLength(1);
    const announced: unknown[] = [];
    await restarted.announceRecovered(async (change) => void announced.push(change));
    expect(announced).toEqual([{ bucket: 'b', key: 'tenant/photo.jpg', created: true, intent: expect.any(String) }]);
    expect(await readdir(staging)).toEqual([]);
  });

  /** The old object stored, and a store whose process dies when it reaches `step` (`dead` resolves then). */
  async function dyingAt(step: 'place' | 'unlinkObject') {
    await put(new ConsistentFilesystemStore(root, staging), Buffer.from('old bytes'), 'image/png');
    const store = new ConsistentFilesystemStore(root, staging);
    let died = () => {};
    const dead = new Promise<void>((resolve) => (died = resolve));
    Object.assign(store, { [step]: () => (died(), new Promise(() => {})) });
    return { store, dead };
  }

  it('finishes and announces again a delete that died after its intent', async () => {
    const dying = await dyingAt('unlinkObject');
    void dying.store.deleteObject('b', 'tenant/photo.jpg');
    await dying.dead;

    const restarted = new ConsistentFilesystemStore(root, staging);
    await restarted.recover();
    expect(await restarted.existsObject('b', 'tenant/photo.jpg')).toBe(false);
    const announced: unknown[] = [];
    await restarted.announceRecovered(async (change) => void announced.push(change));
    expect(announced).toMatchObject([{ bucket: 'b', key: 'tenant/photo.jpg', created: false }]);
  });

  it('leaves a later put of the key standing over a delete that died before it was answered', async () => {
    const dying = await dyingAt('unlinkObject');
    void dying.store.deleteObject('b', 'tenant/photo.jpg');
    await dying.dead;
    await put(new ConsistentFilesystemStore(root, staging), Buffer.from('uploaded again'), 'image/jpeg');

    const restarted = new ConsistentFilesystemStore(root, staging);
    await restarted.recover();
    expect(await stored(restarted)).toMatchObject({ etag: `"${md5(Buffer.from('uploaded again'))}"` });
    const announced: unknown[] = [];
    await restarted.announceRecovered(async (change) => void announced.push(change));
    expect(announced).toEqual([]);
    expect(await readdir(staging)).toEqual([]);
  });

  it('drops on the next start a put that died before its intent: the old object stays, whole', async () => {
    const dying = await dyingAt('place');
    void put(dying.store, Buffer.from('never placed'), 'image/jpeg');
    await dying.dead;
    expect(await readdir(staging)).toHaveLength(1); // its body, staged

    const restarted = new ConsistentFilesystemStore(root, staging);
    await restarted.recover();
    expect(await stored(restarted)).toEqual({ etag: `"${md5(Buffer.from('old bytes'))}"`, contentType: 'image/png', md5: `"${md5(Buffer.from('old bytes'))}"` });
    expect(await readdir(staging)).toEqual([]);
  });
});
