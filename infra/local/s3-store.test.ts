import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsistentFilesystemStore } from './s3-store.ts';

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

  const put = (store: ConsistentFilesystemStore, body: Buffer, contentType: string) =>
    store.putObject({ bucket: 'b', key: 'tenant/photo.jpg', metadata: { 'content-type': contentType }, content: body });

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
    expect(await readdir(staging)).toEqual([]);
  });

  it('drops on the next start a put that died before its intent: the old object stays, whole', async () => {
    const old = new ConsistentFilesystemStore(root, staging);
    await old.recover();
    await put(old, Buffer.from('old bytes'), 'image/png');
    const dying = new ConsistentFilesystemStore(root, staging);
    let died = () => {};
    const dead = new Promise<void>((resolve) => (died = resolve));
    Object.assign(dying, { place: () => (died(), new Promise(() => {})) });
    void put(dying, Buffer.from('never placed'), 'image/jpeg');
    await dead;
    expect(await readdir(staging)).toHaveLength(1); // its body, staged

    const restarted = new ConsistentFilesystemStore(root, staging);
    await restarted.recover();
    expect(await stored(restarted)).toEqual({ etag: `"${md5(Buffer.from('old bytes'))}"`, contentType: 'image/png', md5: `"${md5(Buffer.from('old bytes'))}"` });
    expect(await readdir(staging)).toEqual([]);
  });
});
