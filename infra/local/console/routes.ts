/** The console's routes: the page at `/`, its script, and the JSON it reads beyond the operations surface. */
import { parseOriginalKey } from '../../../core/index.ts';
import { HttpError, html, json, type RouteTable } from '../http.ts';
import { consoleScript } from './bundle.ts';
import { listOriginals, listVariants, normalize } from './catalog.ts';
import { CONSOLE_PAGE, CONSOLE_SCRIPT_PATH } from './page.ts';

const query = (url: string | undefined) => new URL(url ?? '/', 'http://local').searchParams;

export const CONSOLE_ROUTES: RouteTable = [
  ['GET', /^\/$/, async () => html(CONSOLE_PAGE)],
  [
    'GET',
    new RegExp(`^${CONSOLE_SCRIPT_PATH}$`),
    async () => ({ status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }, body: Buffer.from(await consoleScript()) }),
  ],
  ['GET', /^\/_local\/originals$/, async (stack) => json(200, await listOriginals(stack))],
  [
    'GET',
    /^\/_local\/variants$/,
    async (stack, req) => {
      const key = query(req.url).get('key') ?? '';
      const original = parseOriginalKey(key);
      if (!original) throw new HttpError(400, `key must be an original's key: /_local/variants?key={tenant}/{path}.{ext}`);
      return json(200, await listVariants(stack, original));
    },
  ],
  [
    'GET',
    /^\/_local\/normalize$/,
    async (stack, req) => {
      const params = query(req.url);
      const url = params.get('url');
      if (!url?.startsWith('/')) throw new HttpError(400, 'url is required: /_local/normalize?url=/{tenant}/{path}?w=…&accept=…');
      return json(200, await normalize(stack, url, params.get('accept') ?? req.headers.accept ?? ''));
    },
  ],
];
