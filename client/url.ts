/**
 * Image URLs for a tenant's pages and apps: one URL, a `srcset` over the tenant's width ladder,
 * and what a browser will fetch from it. Dependency-free and synchronous; the contract
 * (core/contract) says what a URL may ask for, so every URL built here lands on a canonical
 * cache key. Signing, for tenants that require it, is signing.ts.
 */
import { DEFAULT_LADDER, type Fit, type OutputFormat } from '../core/contract/index.ts';

/** One original: where its images are served and its key, tenant first (`demo/photos/cat.jpg`). */
export interface ImageSource {
  /** `https://img.example.com`, no trailing slash needed. */
  readonly origin: string;
  readonly key: string;
}

/** What a URL asks for: the contract's params (image-request.ts). */
export interface Transform {
  readonly w?: number;
  readonly h?: number;
  readonly fit?: Fit;
  /** Omitted: `auto`, the edge picks AVIF, WebP or JPEG from the browser's Accept. */
  readonly fmt?: OutputFormat | 'auto';
  readonly q?: number;
  readonly dpr?: number;
}

/** The URL of one variant: `https://img.example.com/demo/cat.jpg?fit=cover&h=640&w=640`, params sorted, the key's segments percent-encoded. */
export function imageUrl(source: ImageSource, transform: Transform = {}): string {
  const path = source.key.split('/').map(encodeURIComponent).join('/');
  const values = transform as Readonly<Record<string, string | number | undefined>>;
  const query = Object.keys(values)
    .filter((name) => values[name] !== undefined && !(name === 'fmt' && values[name] === 'auto') && !(name === 'fit' && values[name] === 'inside'))
    .sort()
    .map((name) => `${name}=${encodeURIComponent(String(values[name]))}`);
  return `${source.origin.replace(/\/+$/, '')}/${path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** One `srcset` entry: a URL and the width in pixels its image has. */
export interface Candidate {
  readonly url: string;
  readonly width: number;
}

export interface SrcsetOptions extends Omit<Transform, 'w' | 'h' | 'dpr'> {
  /** The tenant's width ladder (its config's `ladder`); the default ladder otherwise. */
  readonly ladder?: readonly number[];
  /**
   * The widest the image can be served (the original's width; with `ratio` and `fit`, its crop's),
   * when known: the edge never enlarges, so rungs past it would be the same image under more keys.
   * The first rung at or past it stands for it, described at this width.
   */
  readonly maxWidth?: number;
  /** `[W, H]`: every candidate `h` at that aspect ratio (with `fit`, the box each is cut to). */
  readonly ratio?: readonly [number, number];
}

/** One candidate per rung of the ladder (up to `maxWidth`), each asking for exactly its rung, so each is a canonical key. */
export function candidates(source: ImageSource, options: SrcsetOptions = {}): Candidate[] {
  const ladder = options.ladder ?? DEFAULT_LADDER;
  const out: Candidate[] = [];
  for (const rung of ladder) {
    const h = options.ratio ? Math.round((rung * options.ratio[1]) / options.ratio[0]) : undefined;
    const capped = options.maxWidth !== undefined && rung >= options.maxWidth;
    out.push({ url: imageUrl(source, { fit: options.fit, fmt: options.fmt, q: options.q, w: rung, h }), width: capped ? (options.maxWidth as number) : rung });
    if (capped) break;
  }
  return out;
}

/** `url 64w, url 128w, …` */
export const srcset = (list: readonly Candidate[]): string => list.map((candidate) => `${candidate.url} ${candidate.width}w`).join(', ');

/**
 * The candidate a browser fetches for a slot `slotCssPx` wide at device pixel ratio `dpr`: the
 * narrowest at least slot × dpr pixels wide, else the widest (HTML's srcset selection, as
 * Chromium applies it to a fresh page).
 */
export function pickCandidate(list: readonly Candidate[], slotCssPx: number, dpr: number): Candidate {
  const needed = slotCssPx * dpr;
  const sorted = [...list].sort((a, b) => a.width - b.width);
  return sorted.find((candidate) => candidate.width >= needed) ?? (sorted[sorted.length - 1] as Candidate);
}
