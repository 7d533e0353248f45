import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_REQUESTS, rawRequest } from '../../test/support/cross-site.ts';
import { startIamGate, type IamGate } from './iam-gate.ts';
import { startS3Emulator, type S3Emulator } from './s3-emulator.ts';

const ROLE = 'reader';
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/*'] }],
};

/**
 * A stand-in that answers the first request of each connection (keeping it open) and resets the
 * connection on the next one: what a server whose idle timeout fired as the request arrived does.
 */
function resettingBackend(midBody = false): Promise<{ server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket: Socket) => {
    connections++;
    let received = '';
    let answered = 0;
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const requests = received.split('\r\n\r\n').length - 1;
      if (requests > answered && answered === 0) {
        answered = 1;
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok');
      } else if (requests > answered) {
        // Mid-body: the head and a part of a body went out before the reset.
        if (midBody) socket.write('HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 10\r\n\r\npart');
        socket.resetAndDestroy();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, connections: () => connections })));
}

describe('IAM gate: forwarding to a stand-in', () => {
  let gate: IamGate;
  let backend: Awaited<ReturnType<typeof resettingBackend>>;
  let s3: S3Client;

  beforeAll(async () => {
    backend = await resettingBackend();
    const url = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
    gate = await startIamGate({ roles: new Map([[ROLE, POLICY]]), s3: (bucket) => (bucket === 'bucket' ? url : undefined) });
    s3 = new S3Client({ region: 'us-east-1', endpoint: gate.url, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: ROLE, secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    s3.destroy();
    await gate.close();
    await new Promise((resolve) => backend.server.close(resolve));
  });

  it('asks again on a fresh connection when a reused one resets: the caller sees the answer, not the reset', async () => {
    const read = async () => (await s3.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'a.jpg' }))).Body!.transformToString();
    expect(await read()).toBe('ok');
    expect(await read()).toBe('ok');
    expect(backend.connections()).toBe(2); // the reused one, reset, and the fresh one
  });

  it('does not ask again once the answer has begun: the caller sees the reset, and the gate goes on serving', async () => {
    const midBody = await resettingBackend(true);
    const url = `http://127.0.0.1:${(midBody.server.address() as AddressInfo).port}`;
    const other = await startIamGate({ roles: new Map([[ROLE, POLICY]]), s3: () => url });
    const client = new S3Client({ region: 'us-east-1', endpoint: other.url, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: ROLE, secretAccessKey: 'local' } });
    try {
      const read = async () => (await client.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'a.jpg' }))).Body!.transformToString();
      expect(await read()).toBe('ok');
      await expect(read()).rejects.toThrow();
      expect(midBody.connections()).toBe(1); // not asked again
      expect(await read()).toBe('ok'); // a fresh connection: the gate is still up
    } finally {
      client.destroy();
      await other.close();
      await new Promise((resolve) => midBody.server.close(resolve));
    }
  });
});

describe('IAM gate: browsers are refused', () => {
  const WRITER = 'writer';
  const WRITER_POLICY = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: ['arn:aws:s3:::bucket/*'] }],
  };
  let emulator: S3Emulator;
  let gate: IamGate;
  let s3: S3Client;
  /** The writer's own SDK client, with what a browser would add put on each request as it leaves. */
  const client = (browser: { method?: string; headers?: Record<string, string> } = {}) => {
    const sdk = new S3Client({ region: 'us-east-1', endpoint: gate.url, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: WRITER, secretAccessKey: 'local' } });
    sdk.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { method: string; headers: Record<string, string> };
        Object.assign(request.headers, browser.headers);
        request.method = browser.method ?? request.method;
        return next(args);
      },
      { step: 'deserialize' },
    );
    return sdk;
  };
  const stored = (key: string) => s3.send(new GetObjectCommand({ Bucket: 'bucket', Key: key })).then((object) => object.Body!.transformToString(), () => undefined);

  beforeAll(async () => {
    emulator = await startS3Emulator({ region: ['bucket'] });
    gate = await startIamGate({ roles: new Map([[WRITER, WRITER_POLICY]]), s3: (bucket) => (bucket === 'bucket' ? emulator.endpoint('region').url : undefined) });
    s3 = client();
    for (const key of ['t/original.jpg', 't/other.jpg']) await s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: key }));
  });
  afterAll(async () => {
    s3.destroy();
    await gate.close();
    await emulator.stop();
  });

  it.each(BROWSER_REQUESTS)('refuses a signed DeleteObject with $name: 403 before evaluating it, and nothing deleted', async (browser) => {
    const forged = client(browser);
    try {
      await expect(forged.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: 't/original.jpg' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      forged.destroy();
    }
    expect(await stored('t/original.jpg')).toBe('t/original.jpg');
    expect(gate.denials()).toEqual([]);
  });

  it('serves the same DeleteObject from the SDK, without CORS headers', async () => {
    const answer = await s3.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: 't/other.jpg' }));
    expect(answer.$metadata.httpStatusCode).toBe(204);
    expect(await stored('t/other.jpg')).toBeUndefined();
    expect(await stored('t/original.jpg')).toBe('t/original.jpg');
    const raw = await rawRequest(gate.url, '/bucket/t/original.jpg', { headers: { host: new URL(gate.url).host } });
    expect(raw.status).toBe(400); // unsigned: refused by the gate itself, as before
    expect(Object.keys(raw.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});
