/**
 * How the generated demo originals in this folder were made (run once with
 * `npx tsx infra/local/samples/make-samples.ts`; the outputs are committed).
 * Drawn from SVG by sharp, so imgedge owns them outright. The grain is
 * random noise, so a re-run gives different bytes of the same picture.
 */
import sharp from 'sharp';

const here = new URL('.', import.meta.url).pathname;

const landscape = `<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="1600">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d3b6e"/><stop offset="0.6" stop-color="#f2a65a"/><stop offset="1" stop-color="#f6d186"/></linearGradient>
    <radialGradient id="sun"><stop offset="0" stop-color="#fff6d5"/><stop offset="1" stop-color="#ffb347" stop-opacity="0"/></radialGradient>
  </defs>
  <rect width="2400" height="1600" fill="url(#sky)"/>
  <circle cx="1650" cy="900" r="420" fill="url(#sun)"/>
  <path d="M0 1100 L380 700 L700 980 L1050 560 L1500 1050 L1850 760 L2400 1150 L2400 1600 L0 1600 Z" fill="#3b3552"/>
  <path d="M0 1300 L500 1020 L900 1240 L1400 980 L1900 1260 L2400 1080 L2400 1600 L0 1600 Z" fill="#27243a"/>
  <path d="M0 1480 Q600 1380 1200 1470 T2400 1440 L2400 1600 L0 1600 Z" fill="#15131f"/>
</svg>`;

const badge = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">
  <circle cx="400" cy="400" r="360" fill="#0f766e" fill-opacity="0.85"/>
  <circle cx="400" cy="400" r="250" fill="none" stroke="#f0fdfa" stroke-width="40"/>
  <path d="M250 420 L360 520 L560 300" fill="none" stroke="#f0fdfa" stroke-width="56" stroke-linecap="round" stroke-linejoin="round"/>
</svg>`;

const grain = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 18 } } })
  .png()
  .toBuffer();
await sharp(Buffer.from(landscape))
  .composite([{ input: grain, blend: 'soft-light' }])
  .jpeg({ quality: 88 })
  .toFile(`${here}landscape.jpg`);
await sharp(Buffer.from(badge)).png().toFile(`${here}badge.png`);
