/** Source extensions we accept in a URL, and the family each belongs to. SVG is refused on purpose (README: Limits). */
export const SOURCE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff'] as const;
export type SourceExtension = (typeof SOURCE_EXTENSIONS)[number];

export const OUTPUT_FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What a client may write in `fmt=`; `jpg` is an alias of `jpeg`, `auto` negotiates from Accept. */
export const FORMAT_ALIASES: Readonly<Record<string, OutputFormat | 'auto'>> = {
  auto: 'auto',
  avif: 'avif',
  webp: 'webp',
  jpeg: 'jpeg',
  jpg: 'jpeg',
  png: 'png',
};

export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export function isSourceExtension(ext: string): ext is SourceExtension {
  return (SOURCE_EXTENSIONS as readonly string[]).indexOf(ext) >= 0;
}

/** True when `accept` lists `type` with a non-zero q (e.g. `image/avif;q=0` means "not avif"). */
function accepts(accept: string, type: string): boolean {
  const ranges = accept.toLowerCase().split(',');
  for (let i = 0; i < ranges.length; i++) {
    const parts = (ranges[i] as string).split(';');
    if ((parts[0] as string).trim() !== type) continue;
    for (let j = 1; j < parts.length; j++) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(parts[j] as string);
      if (m && Number(m[1]) === 0) return false;
    }
    return true;
  }
  return false;
}

/**
 * fmt=auto: the best format this client accepts. GIF and WebP sources prefer
 * WebP over AVIF because they may be animated and WebP keeps the animation;
 * PNG and GIF sources fall back to PNG (not JPEG) so transparency survives.
 */
export function negotiateFormat(accept: string, source: SourceExtension): OutputFormat {
  const order: OutputFormat[] = source === 'gif' || source === 'webp' ? ['webp', 'avif'] : ['avif', 'webp'];
  for (let i = 0; i < order.length; i++) {
    if (accepts(accept, CONTENT_TYPES[order[i] as OutputFormat])) return order[i] as OutputFormat;
  }
  return source === 'png' || source === 'gif' ? 'png' : 'jpeg';
}
