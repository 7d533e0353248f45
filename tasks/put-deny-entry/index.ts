import { runtimeFromEnv } from '../shared/environment.ts';
import { freshnessEntriesFromEnv } from '../shared/freshness-entries-env.ts';
import { createPutDenyEntryTask } from './task.ts';

export const handler = createPutDenyEntryTask({ entries: freshnessEntriesFromEnv() })(runtimeFromEnv());
