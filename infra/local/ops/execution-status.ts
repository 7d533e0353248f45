/** The statuses a local execution can have (Step Functions' own names; no abort or timeout locally). */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Settled executions whose event histories are kept (about 157 KB each for a render: some 31 MB); older ones keep only their summary. */
export const MAX_EXECUTION_HISTORIES = 200;
