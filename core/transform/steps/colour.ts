import type { Step } from '../context.ts';

/**
 * Converts to 8-bit sRGB, the web's default, and writes no ICC profile.
 *
 * sharp already imports an embedded profile (Display P3, Adobe RGB…) and CMYK
 * (with its profile, or a built-in one) on load, but for a 16-bit source with
 * a profile it processes in P3 and then only casts to 8 bits, leaving P3
 * numbers labelled sRGB (measured: sRGB 200,60,40 stored as 16-bit P3 came
 * out 184,70,49). An explicit transform to the sRGB profile fixes that and is
 * a no-op for everything else; `attach: false` keeps the profile out of the
 * file, because untagged JPEG/PNG/WebP are sRGB in every browser and an AVIF
 * without a `colr` box defaults to sRGB (MIAF), so the tag would only add
 * bytes (~330 per image).
 *
 * Metadata: nothing to strip. sharp writes no EXIF, XMP, IPTC or ICC unless a
 * keep…/with… call asks for it, and no step does; the tests check outputs.
 */
export const colour: Step = (ctx) => {
  ctx.image.toColourspace('srgb').withIccProfile('srgb', { attach: false });
};
