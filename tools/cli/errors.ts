/** What the CLI tells a person when a command cannot do its job: no stack traces, a next step each. */

/** The command line itself is wrong: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The operation ran and did not succeed (a rejected upload, a failed execution): exit 1 after the report. */
export class OperationIncomplete extends Error {
  override readonly name = 'OperationIncomplete';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
