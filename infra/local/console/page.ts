/** The console's HTML and CSS: a static shell the bundled script (client/) fills from the JSON endpoints. */
import { DEFAULT_FIT, FIT_PARAM, FITS, OUTPUT_FORMATS, VARIANT_NAME_ORDER, type NumberParam } from '../../../core/contract/index.ts';

/**
 * One field per contract param, sizes first: the numbers are free text the
 * viewer function clamps, `fit` and `fmt` offer what they may be (the default first).
 */
const numberField = (param: NumberParam) => `<label>${param.name}<input name="${param.name}" inputmode="numeric" size="5"></label>`;
const choiceField = (name: string, choices: readonly string[]) => `<label>${name}<select name="${name}">${choices.map((choice) => `<option>${choice}</option>`).join('')}</select></label>`;
const PARAM_FIELDS = [
  ...VARIANT_NAME_ORDER.filter((param) => param.optional).map(numberField),
  choiceField(FIT_PARAM, [DEFAULT_FIT, ...FITS.filter((fit) => fit !== DEFAULT_FIT)]),
  choiceField('fmt', ['auto', ...OUTPUT_FORMATS]),
  ...VARIANT_NAME_ORDER.filter((param) => !param.optional).map(numberField),
].join('\n      ');

export const CONSOLE_SCRIPT_PATH = '/_local/console/app.js';

const STYLE = `
:root{--fg:#1d2330;--muted:#5d6676;--line:#d9dde5;--bg:#f6f7f9;--card:#fff;--ok:#137a3a;--bad:#b3261e;--run:#8a5a00;--accent:#2856c9}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:baseline;gap:1rem;padding:.75rem 1.5rem;background:#1d2330;color:#fff}
header h1{font-size:1.1rem;margin:0}header span{color:#b9c2d3}
main{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;padding:1rem 1.5rem}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;min-width:0}
section h2{font-size:1rem;margin:.1rem 0 .6rem}
#banner{display:none;background:var(--bad);color:#fff;padding:.5rem 1.5rem}
#banner.shown{display:block}
#notice{background:#fff4ce;color:#5c4400;padding:.5rem 1.5rem}
.tiles{display:flex;flex-wrap:wrap;gap:.5rem}
.tile{border:1px solid var(--line);border-radius:4px;padding:.35rem .6rem;min-width:7.5rem}
.tile b{display:block;font-size:1.25rem}.tile small{color:var(--muted)}
meter{width:100%}
#chart{width:100%;height:120px;display:block}
.legend span{margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.2rem;margin-right:.3rem;vertical-align:middle}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6rem}
.card{border:1px solid var(--line);border-radius:4px;padding:.35rem;background:var(--card);cursor:pointer;text-align:left;font:inherit;color:inherit}
.card:hover,.card.selected{border-color:var(--accent);box-shadow:0 0 0 1px var(--accent)}
.card img,.variant img{width:100%;height:96px;object-fit:contain;background:repeating-conic-gradient(#e4e6ea 0 25%,#fff 0 50%) 0/14px 14px}
.signed{height:96px;overflow:auto;padding:.3rem;font-size:.75rem;color:var(--muted);background:#f1f2f5}
.card code{display:block;overflow-wrap:anywhere;font-size:.78rem}
.variants{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:.6rem}
.variant{border:1px solid var(--line);border-radius:4px;padding:.4rem;font-size:.82rem}
.variant dl{display:grid;grid-template-columns:auto 1fr;gap:0 .5rem;margin:.3rem 0}.variant dt{color:var(--muted)}.variant dd{margin:0}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.82rem;overflow-wrap:anywhere}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0}
label{display:flex;flex-direction:column;font-size:.78rem;color:var(--muted)}
input,select,button{font:inherit;padding:.25rem .4rem}
button{cursor:pointer;border:1px solid var(--line);border-radius:4px;background:#eef1f6}
button.danger{background:var(--bad);color:#fff;border-color:var(--bad)}
table{border-collapse:collapse;width:100%;font-size:.82rem}
th,td{text-align:left;border-bottom:1px solid var(--line);padding:.3rem .4rem;vertical-align:top}
th{color:var(--muted);font-weight:600}
tr.FAILED td{background:#fdf0ef}
.status-SUCCEEDED{color:var(--ok);font-weight:600}.status-FAILED{color:var(--bad);font-weight:600}.status-RUNNING{color:var(--run);font-weight:600}
.hint{color:var(--muted);font-size:.78rem}
pre{max-height:20rem;overflow:auto;white-space:pre-wrap}
td button{display:block;margin-bottom:.2rem}
.result{border-left:3px solid var(--accent);padding:.3rem .6rem;margin:.5rem 0;background:#f3f6fd}
.result.bad{border-color:var(--bad);background:#fdf0ef}
`;

export const CONSOLE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>imgedge console</title><style>${STYLE}</style></head>
<body>
<header><h1>imgedge — local console</h1><span>every image below is served through the local CloudFront: viewer function, edge cache, origin handler on a miss</span></header>
<div id="banner" role="alert"></div>
<div id="notice" role="status" hidden></div>
<main>
  <section aria-labelledby="live-h"><h2 id="live-h">Live counters <span class="hint">from /_local/stats, every second</span></h2>
    <div class="tiles" id="tiles"></div>
    <div class="hint" id="chart-scale"></div>
    <svg id="chart" role="img" aria-label="requests, misses and renders per second over the last two minutes" viewBox="0 0 600 120" preserveAspectRatio="none"></svg>
    <div class="legend hint" id="legend"></div>
  </section>
  <section aria-labelledby="originals-h"><h2 id="originals-h">Originals</h2>
    <form id="upload-form">
      <label>Tenant<select name="tenant" id="upload-tenant" required></select></label>
      <label>Path below the tenant<input name="path" id="upload-path" placeholder="photos/cat.jpg (default: the file's name)"></label>
      <label>File<input type="file" name="file" id="upload-file" required></label>
      <button type="submit">Upload</button>
    </form>
    <div id="upload-result"></div>
    <div id="gallery"></div>
    <div id="taken-down"></div>
  </section>
  <section id="detail" aria-labelledby="detail-h" hidden><h2 id="detail-h">Original</h2>
    <p id="detail-key" class="mono"></p>
    <p id="auto-served" class="hint"></p>
    <div class="variants" id="variants"></div>
    <h3>Markup <span class="hint" id="snippet-note"></span></h3>
    <pre id="snippet" class="mono" data-testid="snippet"></pre>
    <h3>Request any variant</h3>
    <form id="normalize-form">
      ${PARAM_FIELDS}
      <label>other query<input name="extra" placeholder="utm_source=x"></label>
      <label>Accept (for fmt=auto)<select name="accept">
        <option value="image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8">Chromium, Firefox: avif, webp</option>
        <option value="image/webp,*/*">webp only</option>
        <option value="*/*">no image types (curl)</option></select></label>
      <button type="submit">Normalize</button>
    </form>
    <div id="normalized"></div>
    <h3>Take down</h3>
    <form id="takedown-form">
      <label>Reason (1–256 characters)<input name="reason" id="takedown-reason" required maxlength="256" size="32"></label>
      <label>Requested by<input name="requestedBy" value="console" size="16"></label>
      <button type="submit" class="danger">Take down</button>
    </form>
    <div id="takedown-result"></div>
  </section>
  <section aria-labelledby="executions-h"><h2 id="executions-h">Executions</h2>
    <form id="executions-filter">
      <label>Workflow<select id="filter-workflow"><option value="">all</option><option>upload</option><option>render</option><option>takedown</option><option>invalidation-flush</option><option>expire-freshness</option></select></label>
      <label>Status<select id="filter-status"><option value="">any</option><option>FAILED</option><option>RUNNING</option><option>SUCCEEDED</option></select></label>
      <button type="button" id="flush">Flush invalidations now</button>
    </form>
    <div id="execution-result"></div>
    <div id="execution-steps"></div>
    <table><thead><tr><th>workflow</th><th>original</th><th>status</th><th>started</th><th>duration</th><th>failed step · error</th><th></th></tr></thead>
    <tbody id="executions"></tbody></table>
  </section>
</main>
<script type="module" src="${CONSOLE_SCRIPT_PATH}"></script>
</body></html>`;
