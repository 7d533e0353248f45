/**
 * `npm run imgedge -- <command>`: the console's operations from a shell,
 * against the running local stack (`npm start`). Human output by default,
 * `--json` for scripts. Exit codes: 0 done, 1 the operation did not succeed
 * (the report says what and what to do), 2 the command line is wrong.
 */
import { parseArgs } from 'node:util';
import { createOpsClient, OperationFailed, StackUnreachable, StillRunning } from '../../infra/local/ops/index.ts';
import type { Command, Options } from './command.ts';
import { executions } from './commands/executions.ts';
import { flush } from './commands/flush.ts';
import { redrive } from './commands/redrive.ts';
import { sign } from './commands/sign.ts';
import { snippet } from './commands/snippet.ts';
import { takedown } from './commands/takedown.ts';
import { upload } from './commands/upload.ts';
import { EXIT, OperationIncomplete, UsageError } from './errors.ts';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';

const COMMANDS: Readonly<Record<string, Command>> = { upload, snippet, sign, takedown, flush, executions, redrive };

const GLOBAL_OPTIONS: Options = {
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'usage: npm run imgedge -- <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    `options for every command: --endpoint URL (default $IMGEDGE_ENDPOINT or ${DEFAULT_ENDPOINT}), --json, --help`,
    'npm run imgedge -- <command> --help shows its arguments',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const about = rest[0] && COMMANDS[rest[0]];
    console.log(about ? `usage: npm run imgedge -- ${about.usage}` : help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}': the commands are ${Object.keys(COMMANDS).join(', ')}`);

  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message.split('\n')[0]}\nusage: npm run imgedge -- ${command.usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(`usage: npm run imgedge -- ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  const endpoint = endpointOf(values.endpoint as string | undefined);
  try {
    await command.run({ ops: createOpsClient(endpoint), endpoint, json: values.json === true, print: (line = '') => console.log(line) }, values, positionals);
  } catch (err) {
    if (err instanceof UsageError && !err.message.includes('usage:')) err.message += `\nusage: npm run imgedge -- ${command.usage}`;
    throw err;
  }
  return EXIT.ok;
}

function endpointOf(flag: string | undefined): string {
  const endpoint = flag ?? process.env.IMGEDGE_ENDPOINT ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint ${endpoint} is not a URL: expected e.g. ${DEFAULT_ENDPOINT}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--endpoint must be an http(s) URL, not ${endpoint}`);
  return url.origin;
}

/** One line on stderr for each way a command ends badly; a stack trace only for what is a bug. */
function explain(err: unknown): number {
  const say = (message: string) => console.error(`imgedge: ${message}`);
  if (err instanceof UsageError) return say(err.message), EXIT.usage;
  if (err instanceof StackUnreachable) {
    return say(`${err.message}: start it with npm start (or point --endpoint or IMGEDGE_ENDPOINT at a running one)`), EXIT.failed;
  }
  if (err instanceof OperationFailed) return say(`the stack refused: ${err.message} (HTTP ${err.status})`), EXIT.failed;
  if (err instanceof OperationIncomplete) return say(err.message), EXIT.failed;
  if (err instanceof StillRunning) return say(`${err.message}; it goes on in the stack: follow it with npm run imgedge -- executions`), EXIT.failed;
  console.error('imgedge: unexpected error (a bug: please report it with this output)');
  console.error(err);
  return EXIT.failed;
}

process.exitCode = await main(process.argv.slice(2)).catch(explain);
