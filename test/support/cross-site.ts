/** What a web page can make a browser send to a local port, and a raw HTTP client that sends any Host. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export const EVIL_ORIGIN = 'https://evil.example';

/** Each way a browser request gives itself away: its Origin, its fetch metadata, a rebound name, a preflight. */
export const BROWSER_REQUESTS: ReadonlyArray<{ readonly name: string; readonly method?: string; readonly headers: Record<string, string> }> = [
  { name: `Origin: ${EVIL_ORIGIN}`, headers: { origin: EVIL_ORIGIN } },
  { name: 'Sec-Fetch-Site: cross-site', headers: { 'sec-fetch-site': 'cross-site' } },
  { name: 'Sec-Fetch-Mode: no-cors', headers: { 'sec-fetch-mode': 'no-cors' } },
  { name: 'Host: evil.example', headers: { host: 'evil.example' } },
  { name: 'an OPTIONS preflight', method: 'OPTIONS', headers: { origin: EVIL_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } },
];

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request to `base` with exactly these headers (fetch would add Sec-Fetch-Mode and refuses to set Host). */
export function rawRequest(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
