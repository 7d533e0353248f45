/**
 * The gallery of each tenant's originals; one original's variants side by
 * side; the normalize control (the viewer function's own answer); upload and
 * takedown.
 */
import { pictureHtml } from '../../../../client/index.ts';
import { ALLOWED_PARAMS, DEFAULT_FIT, FIT_PARAM, keyToUri, type SigningMode } from '../../../../core/contract/index.ts';
import type { ExecutionSummary, Normalized, VariantView } from '../../ops/api.ts';
import { failure, formatBytes, formatMs, nextStep, subject, takedownReport } from '../../ops/execution-view.ts';
import type { OpsClient } from '../../ops/ops-client.ts';
import { byId, fill, h, messageOf } from './dom.ts';

/** The width the page asks for with fmt=auto, to show what this browser's Accept header got. */
const AUTO_PROBE_WIDTH = 640;
/** S3 delivers the Object Created event within a second locally; after this the pipeline is not listening. */
const UPLOAD_EXECUTION_WAIT_MS = 30_000;

export function createOriginalsView(ops: OpsClient, onChange: () => void) {
  let selected: string | undefined;
  const signing = new Map<string, SigningMode>();
  const ladders = new Map<string, readonly number[]>();
  const tenantOf = (key: string) => key.slice(0, key.indexOf('/'));
  const signingOf = (key: string) => signing.get(tenantOf(key));

  /** The image at `url`; for a signed tenant, whose unsigned URLs the edge refuses, how to get a signed one. */
  function picture(key: string, url: string, alt: string) {
    const mode = signingOf(key);
    if (!mode) return h('img', { src: url, alt, loading: 'lazy' });
    return h('div', { class: 'signed', 'data-testid': 'signed-placeholder' }, `signed tenant (${mode}): `, h('code', {}, `npm run imgedge -- sign '${url}' --check`));
  }

  async function refresh() {
    const listing = await ops.originals();
    signing.clear();
    for (const { tenant, signing: mode, ladder } of listing.tenants) {
      if (mode) signing.set(tenant, mode);
      ladders.set(tenant, ladder);
    }
    const tenants = byId<HTMLSelectElement>('upload-tenant');
    const chosen = tenants.value;
    fill(tenants, ...listing.tenants.map(({ tenant }) => h('option', { value: tenant, selected: tenant === chosen }, tenant)));
    fill(
      byId('gallery'),
      ...listing.tenants.map(({ tenant, signing: mode, originals }) =>
        h(
          'div',
          { 'data-tenant': tenant },
          h('h3', {}, `${tenant} `, h('span', { class: 'hint' }, `${originals.length} originals${mode ? ` · URLs signed (${mode})` : ''}`)),
          originals.length === 0
            ? h('p', { class: 'hint' }, 'no originals yet: upload one above')
            : h('div', { class: 'gallery' }, ...originals.map((o) => card(o.key, o.uri, o.variants, o.rendering))),
        ),
      ),
    );
    fill(
      byId('taken-down'),
      listing.takenDown.length > 0 && h('h3', {}, 'Taken down (the viewer function answers 451)'),
      ...listing.takenDown.map((t) => h('div', { class: 'mono' }, `${t.key} — ${t.reason} (${new Date(t.at).toLocaleString()})`)),
    );
    if (selected) await showVariants(selected);
  }

  /** While its pipeline runs the card shows no thumbnail: asking the edge then would render on a miss what the pipeline is making. */
  function card(key: string, uri: string, variants: number, rendering: boolean) {
    const button = h(
      'button',
      { type: 'button', class: key === selected ? 'card selected' : 'card', 'data-original': key },
      rendering ? h('div', { class: 'hint', 'data-testid': 'rendering' }, 'rendering its variants…') : picture(key, `${uri}?w=256`, key),
      h('code', {}, key),
      h('span', { class: 'hint' }, `${variants} variants`),
    );
    button.addEventListener('click', () => void open(key, uri));
    return button;
  }

  async function open(key: string, uri: string) {
    selected = key;
    for (const element of document.querySelectorAll('.card')) element.classList.toggle('selected', element.getAttribute('data-original') === key);
    const detail = byId('detail');
    detail.hidden = false;
    fill(byId('detail-key'), key, ' ', h('a', { href: `${uri}?w=${AUTO_PROBE_WIDTH}` }, `${uri}?w=${AUTO_PROBE_WIDTH}`));
    fill(byId('normalized'));
    fill(byId('takedown-result'));
    fill(byId('variants'), h('p', { class: 'hint' }, 'loading its variants…'));
    showSnippet(key);
    probeAuto(key, uri);
    await showVariants(key);
    detail.scrollIntoView({ block: 'start' });
  }

  /** The markup a page would embed it with (client/, the URL builder), over its tenant's ladder. */
  function showSnippet(key: string) {
    const markup = pictureHtml({ origin: location.origin, key }, { alt: key }, { ladder: ladders.get(tenantOf(key)), sizes: '(max-width: 640px) 100vw, 640px' });
    const mode = signingOf(key);
    fill(byId('snippet-note'), mode ? `This tenant signs its URLs (${mode}): sign each with client/'s ${mode === 'hmac' ? 'hmacSigner' : 'keyGroupSigner'} on your server.` : 'Built by client/ (README, URL builder).');
    fill(byId('snippet'), markup);
  }

  /** Loads the fmt=auto URL as an image, so the browser sends its own Accept; Resource Timing tells what came back. */
  function probeAuto(key: string, uri: string) {
    const url = `${uri}?w=${AUTO_PROBE_WIDTH}`;
    const line = byId('auto-served');
    if (signingOf(key)) return fill(line, `fmt=auto (${url}): this tenant's URLs need a signature; `, picture(key, url, ''));
    const image = h('img', { src: url, alt: '', width: '1', height: '1' });
    fill(line, `fmt=auto (${url}): loading…`);
    image.addEventListener('load', () => fill(line, `fmt=auto (${url}): this browser was served `, h('b', { 'data-testid': 'auto-format' }, servedType(url)), ', from its own Accept header'));
    image.addEventListener('error', () => fill(line, `fmt=auto (${url}): the edge refused it`));
  }

  async function showVariants(key: string) {
    const listing = await ops.variants(key);
    if (selected !== key) return;
    fill(
      byId('variants'),
      ...(listing.variants.length > 0 ? listing.variants.map(variantCard) : [h('p', { class: 'hint' }, listing.original ? 'no variants yet: the render workflow may still be running' : 'this original is not in the primary region (taken down, or rejected)')]),
    );
  }

  function variantCard(variant: VariantView) {
    const { params, render } = variant;
    const time =
      render.kind === 'pre-rendered'
        ? `${formatMs(render.ms)} (render-variant task: fetch, render, store)`
        : render.kind === 'rendered on a miss'
          ? `${formatMs(render.ms)} (fetch ${formatMs(render.fetchMs)} from ${render.region}, render ${formatMs(render.renderMs)})`
          : '—';
    return h(
      'div',
      { class: 'variant', 'data-variant': variant.key },
      picture(variant.key, variant.url, variant.key),
      h(
        'dl',
        {},
        h('dt', {}, 'format'),
        h('dd', {}, params.fmt),
        h('dt', {}, 'width'),
        h('dd', {}, params.w ?? 'original'),
        ...(params.h !== undefined ? [h('dt', {}, 'height'), h('dd', {}, params.h)] : []),
        ...(params.fit !== undefined ? [h('dt', {}, 'fit'), h('dd', {}, params.fit)] : []),
        h('dt', {}, 'quality'),
        h('dd', {}, params.q),
        h('dt', {}, 'bytes'),
        h('dd', {}, formatBytes(variant.bytes)),
        h('dt', {}, 'render'),
        h('dd', { 'data-testid': 'render-path' }, render.kind),
        h('dt', {}, 'time'),
        h('dd', {}, time),
      ),
      h('a', { class: 'mono', href: variant.url }, variant.url),
    );
  }

  function showNormalized(key: string, url: string, normalized: Normalized) {
    const preview = h('img', { src: url, alt: 'the requested variant, as this browser gets it', style: 'max-width:240px;max-height:160px' });
    const served = h('span', { class: 'hint' });
    preview.addEventListener('load', () => fill(served, `this browser was served ${servedType(url)}`));
    fill(
      byId('normalized'),
      h(
        'div',
        { class: normalized.ok ? 'result' : 'result bad', 'data-testid': 'normalized' },
        h('div', {}, 'request ', h('code', {}, url)),
        normalized.ok
          ? h(
              'div',
              {},
              h('div', {}, 'cache key ', h('code', { 'data-testid': 'cache-key' }, normalized.cacheKey)),
              h('div', {}, 'variant object ', h('code', {}, normalized.variantKey)),
              normalized.dropped.length > 0 && h('div', {}, 'not taken from the request: ', h('code', {}, normalized.dropped.join(', '))),
            )
          : h('div', {}, `the viewer function answers ${normalized.status}: ${normalized.reason}`),
      ),
      normalized.ok && !signingOf(key) && h('div', {}, preview, h('br'), served),
    );
  }

  byId<HTMLFormElement>('normalize-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!selected) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    // In the form's order: the URL reads as the person filled it in.
    const query = [...form.keys()]
      .filter((name) => ALLOWED_PARAMS.includes(name))
      .map((name) => [name, String(form.get(name) ?? '').trim()] as const)
      .filter(([name, value]) => value !== '' && !(name === 'fmt' && value === 'auto') && !(name === FIT_PARAM && value === DEFAULT_FIT))
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
    const extra = String(form.get('extra') ?? '').trim();
    if (extra) query.push(extra);
    const url = `${keyToUri(selected)}${query.length > 0 ? `?${query.join('&')}` : ''}`;
    try {
      showNormalized(selected, url, await ops.normalize(url, String(form.get('accept'))));
    } catch (err) {
      fill(byId('normalized'), h('div', { class: 'result bad' }, messageOf(err)));
    }
  });

  byId<HTMLFormElement>('upload-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const file = form.get('file');
    if (!(file instanceof File)) return;
    const key = `${String(form.get('tenant'))}/${String(form.get('path') ?? '').trim() || file.name}`;
    const out = byId('upload-result');
    fill(out, h('div', { class: 'result' }, `uploading ${key}…`));
    try {
      const before = new Set((await ops.executions({ stateMachine: 'upload' })).map((e) => e.id));
      await ops.upload(key, file, file.type || 'application/octet-stream');
      fill(out, h('div', { class: 'result' }, `uploaded ${key}; validating…`));
      const started = await uploadExecution(key, before);
      const settled = await ops.settled(started.id);
      fill(
        out,
        settled.status === 'SUCCEEDED'
          ? h('div', { class: 'result', 'data-testid': 'upload-result' }, `${key}: accepted; rendering its standard variants`)
          : h('div', { class: 'result bad', 'data-testid': 'upload-result' }, `${key}: ${failure(settled)} — ${nextStep(settled)}`),
      );
    } catch (err) {
      fill(out, h('div', { class: 'result bad', 'data-testid': 'upload-result' }, `${key}: ${messageOf(err)}`));
    }
    onChange();
  });

  /** The upload execution the S3 event of our PUT started: the first new one for the key. */
  async function uploadExecution(key: string, before: ReadonlySet<string>): Promise<ExecutionSummary> {
    const deadline = performance.now() + UPLOAD_EXECUTION_WAIT_MS;
    while (performance.now() < deadline) {
      const found = (await ops.executions({ stateMachine: 'upload' })).find((e) => !before.has(e.id) && subject(e) === key);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`stored, but no upload execution started within ${UPLOAD_EXECUTION_WAIT_MS / 1000} s: is the stack's S3 event rule on?`);
  }

  byId<HTMLFormElement>('takedown-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = selected;
    if (!key) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const out = byId('takedown-result');
    fill(out, h('div', { class: 'result' }, `taking ${key} down…`));
    try {
      const started = await ops.takedown({ tenant: key.slice(0, key.indexOf('/')), key, reason: String(form.get('reason')), requestedBy: String(form.get('requestedBy') ?? '') || undefined });
      const settled = await ops.settled(started.id);
      // no-store: ask the edge, not this browser's cache, which keeps what it already has (variants are immutable).
      const edge = await fetch(`${keyToUri(key)}?w=${AUTO_PROBE_WIDTH}`, { cache: 'no-store' });
      showTakedown(out, settled, edge.status);
    } catch (err) {
      fill(out, h('div', { class: 'result bad' }, `takedown of ${key}: ${messageOf(err)}`));
    }
    onChange();
  });

  function showTakedown(out: HTMLElement, execution: ExecutionSummary, edgeStatus: number) {
    const report = takedownReport(execution);
    const ok = execution.status === 'SUCCEEDED';
    fill(
      out,
      h(
        'div',
        { class: ok ? 'result' : 'result bad', 'data-testid': 'takedown-report' },
        h('div', {}, `takedown ${execution.name}: `, h('span', { class: `status-${execution.status}` }, execution.status), ok ? '' : ` at ${execution.failedState ?? '?'}: ${failure(execution)} — ${nextStep(execution)}`),
        report.denied && h('div', {}, 'deny-list entry ', h('code', {}, `${report.denied.slotKey} ${report.denied.id}=!`), ` reason “${report.reason}”, since ${new Date(report.denied.at).toLocaleTimeString()}`),
        report.originals && h('div', {}, 'original: ', Object.entries(report.originals.regions).map(([region, outcome]) => `${region} ${outcome}`).join(' · ')),
        report.variants && h('div', {}, `variants deleted: ${report.variants.deleted}`),
        report.invalidation &&
          h('div', {}, `invalidation queued: ${report.invalidation.enqueued} paths (${report.invalidation.alreadyQueued} already queued); the next flush submits them`),
        h('div', {}, 'the edge now answers ', h('b', { 'data-testid': 'edge-status' }, String(edgeStatus)), edgeStatus === 451 ? ' Unavailable For Legal Reasons' : ''),
      ),
    );
  }

  return { refresh };
}

/** The content type Resource Timing reports for a URL this page loaded, or a note that the browser does not say. */
function servedType(url: string): string {
  const entries = performance.getEntriesByName(new URL(url, location.href).href) as PerformanceResourceTiming[];
  const entry = entries[entries.length - 1] as (PerformanceResourceTiming & { contentType?: string }) | undefined;
  return entry?.contentType || 'an image (this browser does not report its type)';
}
