/** `npm start`: the whole system on one machine, no AWS account, no Docker. */
import { seedDemo } from './seed.ts';
import { serveLocalStack } from './server.ts';
import { startLocalStack } from './stack.ts';

const port = Number(process.env.PORT ?? 8080);
const stack = await startLocalStack({ log: (entry) => console.log(JSON.stringify(entry)) });
const keys = await seedDemo(stack);
const { server, url } = await serveLocalStack(stack, port);

const example = `${url}/${keys[0]}`;
console.log(`
imgedge local stack on ${url}

  ${url}/                       the originals, with links to their variants
  ${example}?w=640        fmt=auto: AVIF/WebP/JPEG from your Accept header
  ${example}?w=700&fmt=webp&utm_source=x   snaps to w=750, drops utm_source
  ${url}/_local/stats           hits, misses, renders, origin fetches per region

  upload:   curl -T photo.jpg ${url}/_local/originals/demo/photo.jpg
  fault:    curl -d '{"target":"us-east-1","fault":"unavailable"}' ${url}/_local/faults
Ctrl-C stops it.`);

const shutdown = async () => {
  server.closeAllConnections();
  server.close();
  await stack.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
