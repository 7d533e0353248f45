/** `npm start`: the whole system on one machine, no AWS account, no Docker. */
// The tasks' EMF lines and INFO logs would drown the console: /_local/stats sums the metrics.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
import { parseArgs } from 'node:util';
import { DEFAULT_TTL_SECONDS, signUrl } from '../../core/signing/index.ts';
import { loadOrCreateLocalSigningKeys, localSigningKey, LOCAL_SIGNING_KEYS_FILE } from './dev-keys.ts';
import { seedDemo, seedSignedTenants } from './seed.ts';
import { serveLocalStack } from './server.ts';
import { DEFAULT_STATE_DIRECTORY, StateInUse } from './local-state.ts';
import { startLocalStack } from './stack.ts';

const { values: flags } = parseArgs({ options: { fresh: { type: 'boolean', default: false }, state: { type: 'string', default: DEFAULT_STATE_DIRECTORY } } });
const port = Number(process.env.PORT ?? 8080);
const stack = await startLocalStack({ log: (entry) => console.log(JSON.stringify(entry)), state: { directory: flags.state, fresh: flags.fresh } }).catch((error: unknown) => {
  if (!(error instanceof StateInUse)) throw error;
  console.error(error.message);
  process.exit(1);
});
const keys = await seedDemo(stack);
const signingKeys = await loadOrCreateLocalSigningKeys();
const signedSamples = await seedSignedTenants(stack, signingKeys);
const { server, url } = await serveLocalStack(stack, port);
const signed = (tenant: string, key: string) =>
  signUrl({ url: `${url}/${key}?w=640`, tenant, ttlSeconds: DEFAULT_TTL_SECONDS, key: localSigningKey(signingKeys, tenant)! });

const example = `${url}/${keys[0]}`;
const kept = stack.state.existed
  ? `state kept in ${stack.state.directory}, as the last run left it (npm start -- --fresh starts over with the samples)`
  : `state kept in ${stack.state.directory} (a restart finds it again; npm start -- --fresh starts over)`;
const notice = stack.stats().pipeline.notice;
console.log(`
imgedge local stack on ${url}
${kept}

  ${url}/                       the console: originals, variants, executions (redrive, takedown), live counters
  ${example}?w=640        fmt=auto: AVIF/WebP/JPEG from your Accept header
  ${example}?w=700&fmt=webp&utm_source=x   snaps to w=750, drops utm_source
  ${url}/_local/stats           hits, misses, renders, origin fetches per region, pipeline counters
  ${url}/_local/executions      upload, render, takedown and invalidation-flush executions

  signed tenants (keys in ${LOCAL_SIGNING_KEYS_FILE}; unsigned, their URLs answer 403):
  ${signed(signingKeys.hmac.tenant, signedSamples.hmac)}
  ${signed(signingKeys.keyGroup.tenant, signedSamples.keyGroup)}
  sign:     npm run sign -- '${url}/${signedSamples.hmac}?w=256' --tenant ${signingKeys.hmac.tenant} [--ttl 3600]

  upload:   curl -T photo.jpg ${url}/_local/originals/demo/photo.jpg
  takedown: curl -d '{"tenant":"demo","key":"${keys[0]}","reason":"dmca"}' ${url}/_local/takedown
  flush:    curl -X POST ${url}/_local/flush      (also every minute, as the EventBridge schedule)
  redrive:  curl -X POST ${url}/_local/executions/{id}/redrive
  fault:    curl -d '{"target":"us-east-1","fault":"unavailable"}' ${url}/_local/faults
  CLI:      npm run imgedge -- help      (upload a folder, sign, takedown, flush, executions, redrive)
${notice ? `\n  notice: ${notice}\n` : ''}Ctrl-C stops it.`);

const shutdown = async () => {
  server.closeAllConnections();
  server.close();
  await stack.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
