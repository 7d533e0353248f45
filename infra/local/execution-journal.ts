/**
 * The local executions on disk, one file per execution, written whole (temp
 * file + rename) when it starts, is redriven, settles or drops its history, so
 * a restart lists what ran before and a crash leaves each file either the old
 * or the new record, never half of one.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeWholeSync } from './whole-file.ts';

/** What a restart says of an execution the stopped process was running. */
export const INTERRUPTED = {
  error: 'Local.Interrupted',
  cause: 'the local stack stopped (a crash or kill) while this execution ran: redrive it to run it again',
} as const;

/** Where a running execution waits: a restart runs it on from there. */
export interface PausedAt {
  readonly state: string;
  readonly input: unknown;
}

/** An execution (./executions.ts's) with its places in start order and in settle order (undefined while running). */
export interface JournalRecord<E> {
  readonly execution: E;
  readonly started: number;
  readonly settled?: number;
  /** Running, paused in this top-level Wait state with this input: nothing was in progress. */
  readonly paused?: PausedAt;
}

export interface ExecutionJournal<E extends { readonly id: string }> {
  /** Every record, oldest start first. */
  load(): JournalRecord<E>[];
  save(record: JournalRecord<E>): void;
  forget(id: string): void;
}

export function executionJournal<E extends { readonly id: string }>(directory: string): ExecutionJournal<E> {
  const file = (id: string) => join(directory, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`);
  const save = (record: JournalRecord<E>) => {
    writeWholeSync(file(record.execution.id), JSON.stringify(record));
  };
  return {
    load() {
      const records: JournalRecord<E>[] = [];
      for (const name of readdirSync(directory)) {
        if (name.endsWith('.json')) records.push(JSON.parse(readFileSync(join(directory, name), 'utf8')) as JournalRecord<E>);
        else rmSync(join(directory, name), { force: true }); // a write the crash cut short
      }
      return records.sort((a, b) => a.started - b.started);
    },
    save,
    forget: (id) => rmSync(file(id), { force: true }),
  };
}
