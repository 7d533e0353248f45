import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIamGate, type IamGate } from './iam-gate.ts';

const ROLE = 'reader';
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/*'] }],
};

/**
 * A stand-in that answers the first request of each connection (keeping it open) and resets the
 * connection on the next one: what a server whose idle timeout fired as the request arrived does.
 */
function resettingBackend(): Promise<{ server: Server; connections: () => number }> {
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
      } else if (requests > answered) socket.resetAndDestroy();
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
});
