/**
 * The local executions on disk, one file per execution, written whole (temp
 * file + rename) when it starts, is redriven, settles or drops its history, so
 * a restart lists what ran before and a crash leaves each file either the old
 * or the new record, never half of one.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Execution } from './executions.ts';

/** What a restart says of an execution the stopped process was running. */
export const INTERRUPTED = {
  error: 'Local.Interrupted',
  cause: 'the local stack stopped (a crash or kill) while this execution ran: redrive it to run it again',
} as const;

/** An execution with its places in start order and in settle order (undefined while running). */
export interface JournalRecord {
  readonly execution: Execution;
  readonly started: number;
  readonly settled?: number;
  /** Running, and paused in a Wait state: nothing was in progress. */
  readonly paused?: boolean;
}

export interface ExecutionJournal {
  /** Every record, oldest start first. */
  load(): JournalRecord[];
  save(record: JournalRecord): void;
  forget(id: string): void;
}

export function executionJournal(directory: string): ExecutionJournal {
  const file = (id: string) => join(directory, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`);
  const save = (record: JournalRecord) => {
    const path = file(record.execution.id);
    writeFileSync(`${path}.tmp`, JSON.stringify(record));
    renameSync(`${path}.tmp`, path);
  };
  return {
    load() {
      const records: JournalRecord[] = [];
      for (const name of readdirSync(directory)) {
        if (name.endsWith('.json')) records.push(JSON.parse(readFileSync(join(directory, name), 'utf8')) as JournalRecord);
        else rmSync(join(directory, name), { force: true }); // a write the crash cut short
      }
      return records.sort((a, b) => a.started - b.started);
    },
    save,
    forget: (id) => rmSync(file(id), { force: true }),
  };
}
