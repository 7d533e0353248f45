/**
 * Where the local stack keeps what it was given, so a restart (or a crash)
 * finds it again: the S3 stand-ins' buckets, the DynamoDB tables, the
 * KeyValueStore, the executions and the invalidations, each in its own place
 * under one directory (`.local-data/state/` for `npm start`, a temporary one
 * for tests). One stack at a time: a second one on the same directory would
 * interleave writes, so it is refused with the holder's pid.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `npm start`'s state, beside the signing keys (git-ignored). */
export const DEFAULT_STATE_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.local-data', 'state');

const LOCK_FILE = 'stack.pid';
/** Written when a stack starts on the directory: one without it is new (its samples are seeded). */
const STARTED_FILE = 'started';

export interface LocalState {
  readonly directory: string;
  /** False the first time a stack starts on the directory (or after `fresh`): nothing was kept there. */
  readonly existed: boolean;
  /** `name` under the directory (made if missing). */
  place(name: string): string;
  /** Frees the directory for the next stack; a temporary one is deleted. */
  release(): void;
}

export class StateInUse extends Error {
  override readonly name = 'StateInUse';
}

export interface LocalStateOptions {
  /** Undefined: a temporary directory, deleted on release (tests). */
  readonly directory?: string;
  /** Empties the directory first (`npm start -- --fresh`). */
  readonly fresh?: boolean;
}

export function openLocalState(options: LocalStateOptions = {}): LocalState {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'imgedge-state-'));
  mkdirSync(directory, { recursive: true });
  lock(directory);
  if (options.fresh) {
    for (const name of readdirSync(directory)) if (name !== LOCK_FILE) rmSync(join(directory, name), { recursive: true, force: true });
  }
  const existed = readdirSync(directory).includes(STARTED_FILE);
  writeFileSync(join(directory, STARTED_FILE), new Date().toISOString());
  return {
    directory,
    existed,
    place(name) {
      const path = join(directory, name);
      mkdirSync(path, { recursive: true });
      return path;
    },
    release() {
      if (temporary) rmSync(directory, { recursive: true, force: true });
      else rmSync(join(directory, LOCK_FILE), { force: true });
    },
  };
}

/** Takes the directory: refused while a live process (this one included: another stack in it) holds it; a dead holder's lock is taken over. */
function lock(directory: string) {
  const file = join(directory, LOCK_FILE);
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new StateInUse(`${directory} is in use by another local stack (pid ${holder}): stop it, or give this one another directory with --state <dir>`);
    }
    rmSync(file, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
