/**
 * imgedge's URL builder for tenants' pages and apps: image URLs, `srcset`/`sizes`, `<img>` and
 * `<picture>` markup over the tenant's width ladder, and URL signing for tenants that require it.
 * No dependencies: it runs in browsers, workers and Node 20+ (WebCrypto). README, "URL builder".
 */
export { candidates, imageUrl, pickCandidate, srcset, type Candidate, type ImageSource, type SrcsetOptions, type Transform } from './url.ts';
export { imgHtml, pictureHtml, responsiveImage, type ImgAttributes, type ResponsiveImage, type ResponsiveOptions } from './html.ts';
export { hmacSigner, keyGroupSigner, type UrlSigner } from './signing.ts';
