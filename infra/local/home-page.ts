import { keyToUri } from '../../edge/contract/index.ts';
import { PRIMARY_REGION, type LocalStack } from './stack.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A minimal page: every original in the primary region, a thumbnail and links to a few variants each. */
export async function homePage(stack: LocalStack): Promise<string> {
  const rows: string[] = [];
  for await (const key of stack.originals[PRIMARY_REGION].list('')) {
    const uri = escape(keyToUri(key));
    const links = ['w=320', 'w=640&fmt=webp', 'w=1080&fmt=avif', 'w=400&h=400', 'fmt=jpeg&q=40']
      .map((q) => `<a href="${uri}?${escape(q)}">?${escape(q)}</a>`)
      .join(' ');
    rows.push(`<li><a href="${uri}?w=640"><img src="${uri}?w=256" alt="" loading="lazy"></a><div><code>${escape(key)}</code><br>${links}</div></li>`);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>imgedge local</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:60rem}li{display:flex;gap:1rem;align-items:center;margin:.75rem 0}
img{width:128px;height:96px;object-fit:cover;background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0/16px 16px}ul{list-style:none;padding:0}</style></head>
<body><h1>imgedge — local stack</h1>
<p>Every image below is served through the local CloudFront: the built viewer function, the edge cache, then the origin-request handler on a miss.
Counters: <a href="/_local/stats">/_local/stats</a> · faults: <a href="/_local/faults">/_local/faults</a></p>
<ul>${rows.join('\n') || '<li>No originals yet: <code>curl -T photo.jpg http://127.0.0.1:8080/_local/originals/demo/photo.jpg</code></li>'}</ul></body></html>`;
}
