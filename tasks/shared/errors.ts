/**
 * Errors a task throws are matched by name in the workflows' Retry and Catch
 * (docs/pipeline.md): the class name is the ASL error name.
 */
export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The input did not match the task's schema: a workflow or caller bug, never retried. */
export class TaskInputInvalid extends TaskError {
  constructor(task: string, detail: string) {
    super('TaskInputInvalid', `${task}: input rejected: ${detail}`);
  }
}

/** The upload is not an image we will serve; the message is the one-line reason. */
export class OriginalRejected extends TaskError {
  constructor(reason: string) {
    super('OriginalRejected', reason);
  }
}

/** A taken-down original is in a region again (a late replica, or an upload not recorded yet): its deny entry stays. */
export class OriginalPresent extends TaskError {
  constructor(key: string, regions: readonly string[]) {
    super('OriginalPresent', `${key} is taken down but present in ${regions.join(', ')}: its deny entry stays until it is gone (take it down again, or let its upload finish), then redrive`);
  }
}
