/**
 * The local stack in a process of its own, on a state directory, for a test
 * that kills it (SIGKILL: a crash) and starts another on what it left:
 *   node --import tsx test/support/stack-child.ts <state directory>
 * Prints `ready <url>` once it serves; runs until killed.
 */
import { seedDemo } from '../../infra/local/seed.ts';
import { serveLocalStack } from '../../infra/local/server.ts';
import { startLocalStack } from '../../infra/local/stack.ts';

const directory = process.argv[2];
if (!directory) throw new Error('usage: stack-child.ts <state directory>');
const stack = await startLocalStack({ state: { directory }, pipeline: { flushEveryMs: 0 } });
await seedDemo(stack);
const { url } = await serveLocalStack(stack, 0);
console.log(`ready ${url}`);
