/**
 * The markup a page puts the image in: `<img>` with `src`, `srcset` and `sizes`, and a
 * `<picture>` that names each format for caches and crawlers that do not honour `Vary: Accept`.
 */
import { type ImageSource, candidates, pickCandidate, srcset, type SrcsetOptions } from './url.ts';

export interface ResponsiveOptions extends SrcsetOptions {
  /** The slot's width in CSS pixels by media condition, as HTML's `sizes`: `(max-width: 600px) 100vw, 600px`. Default `100vw`. */
  readonly sizes?: string;
  /** The `src` for browsers without srcset: the candidate for this many CSS pixels at 1×. Default 640. */
  readonly fallbackWidth?: number;
}

export interface ResponsiveImage {
  readonly src: string;
  readonly srcset: string;
  readonly sizes: string;
}

/** `src`, `srcset` and `sizes` for one `<img>`. */
export function responsiveImage(source: ImageSource, options: ResponsiveOptions = {}): ResponsiveImage {
  const list = candidates(source, options);
  return { src: pickCandidate(list, options.fallbackWidth ?? 640, 1).url, srcset: srcset(list), sizes: options.sizes ?? '100vw' };
}

export interface ImgAttributes {
  readonly alt: string;
  /** The intrinsic aspect ratio's terms, so the page reserves the space before the image arrives. */
  readonly width?: number;
  readonly height?: number;
}

/** `<img …>` for it, lazy-loaded and decoded off the main thread. */
export function imgHtml(source: ImageSource, attributes: ImgAttributes, options: ResponsiveOptions = {}): string {
  const image = responsiveImage(source, options);
  return `<img ${attrs({ src: image.src, srcset: image.srcset, sizes: image.sizes, alt: attributes.alt, width: attributes.width, height: attributes.height, loading: 'lazy', decoding: 'async' })}>`;
}

/** `<picture>` with an AVIF and a WebP `<source>` and a JPEG `<img>`, each over the same ladder. */
export function pictureHtml(source: ImageSource, attributes: ImgAttributes, options: ResponsiveOptions = {}): string {
  const sizes = options.sizes ?? '100vw';
  const sources = (['avif', 'webp'] as const).map((fmt) => `  <source ${attrs({ type: `image/${fmt}`, srcset: srcset(candidates(source, { ...options, fmt })), sizes })}>`);
  return ['<picture>', ...sources, `  ${imgHtml(source, attributes, { ...options, fmt: 'jpeg' })}`, '</picture>'].join('\n');
}

/** `name="value"` pairs, values escaped for an attribute; undefined ones left out. */
function attrs(values: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${name}="${String(value).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`)
    .join(' ');
}
