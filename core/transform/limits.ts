/**
 * Limits of the sharp transformer, one place. The contract's own limits
 * (MAX_OUTPUT_DIMENSION, QUALITY_STEPS) live in core/contract/limits.ts.
 *
 * Every original is checked against these from its header, before a single
 * pixel is decoded (inspectSource), by the origin handler and by the upload
 * validation alike: an original is either accepted everywhere or refused
 * everywhere.
 */

/**
 * Largest original, in bytes, we read: 25 MiB.
 * Why: the whole original is held in memory and fetched from S3 inside the
 * 30 s Lambda@Edge origin budget (docs/aws-limits.md §B), possibly from a replica
 * in another region. A 48 MP phone JPEG at high quality is 15–20 MB, so real
 * photos fit; bigger files are almost always uncompressed TIFF/PNG exports
 * that belong in an ingest pipeline, not on the request path.
 * Source: our choice (imgproxy's IMGPROXY_MAX_SRC_FILE_SIZE is off by default).
 */
export const MAX_SOURCE_BYTES = 25 * 1024 * 1024;

/**
 * Most pixels in one frame: 50 MP. Decompression bombs (a 65536×65536 PNG is
 * 522 KB) are refused from the header; also passed to sharp's
 * `limitInputPixels` as a second lock.
 * Why 50 MP: a full decode without shrink-on-load (PNG, GIF, TIFF, AVIF) costs
 * 50 MP × 4 bands = 200 MB at 8 bits, 400 MB for 16-bit PNG: fits a 1–2 GB
 * origin Lambda with room for the source and output buffers. It admits a
 * 48 MP phone photo (8064×6048 = 48.8 MP); a 61 MP full-frame camera JPEG is
 * refused, the price of a bounded memory peak.
 * Source: imgproxy's default IMGPROXY_MAX_SRC_RESOLUTION is 50 MP
 * (security/config.go); sharp's own default (16383², 268 MP) is far too high
 * for a Lambda.
 */
export const MAX_SOURCE_PIXELS = 50_000_000;

/**
 * Most frames (pages) an original may declare: 300, i.e. 10 s at 30 fps.
 * Why: an animated WebP output decodes and re-encodes every frame; frame count
 * bounds the per-frame overheads (libwebp's animation encoder, one resize per
 * frame) even when frames are tiny. Applied to every format (a 1,000-page TIFF
 * is refused too), because inspectSource does not know the output format.
 * Source: our choice; imgproxy's IMGPROXY_MAX_ANIMATION_FRAMES defaults to 1.
 */
export const MAX_ANIMATION_FRAMES = 300;

/**
 * Most scans a JPEG may have: 100. A progressive decoder makes a pass over
 * every block of the image per scan, before sharp's timeout is first checked,
 * so scans × pixels is decode time no deadline cuts short. Measured here (2
 * cores, sharp 0.35.5, 48 MP, test/fixtures/scan-bomb.ts): 100 scans decode in
 * 1.6 s, 379 in 5 s. Encoders write far fewer (libjpeg's and mozjpeg's default
 * progressive scripts: about 10; a baseline JPEG has 1).
 * Source: our measurement and choice; NVIDIA nvImageCodec caps progressive scans
 * at 256 by default against the same attack (docs/libraries.md, "Decode time no
 * deadline cuts short").
 */
export const MAX_JPEG_SCANS = 100;

/**
 * Most pixels summed over all frames: 40 MP (e.g. 300 frames of 480×270).
 * Why: an animated render decodes every frame at full canvas size. Measured
 * here (2 cores, sharp 0.35.5): animated WebP costs up to ~130 ms per source
 * megapixel on noisy frames, so 40 MP is ~5 s worst case, inside
 * MAX_RENDER_SECONDS. It is also the `limitInputPixels` of an animated decode,
 * where libvips sees all frames stacked as one tall image.
 * Source: our measurement (25 MP of noisy 500×500 frames → WebP: 3.3 s); kept below
 * MAX_SOURCE_PIXELS so no animation costs more than the biggest still.
 */
export const MAX_ANIMATION_PIXELS = 40_000_000;

/**
 * Longest a single render may run in libvips before it is abandoned: 10 s
 * (sharp's `timeout`, whole seconds only).
 * Why: the Lambda@Edge origin-request timeout is 30 s (docs/aws-limits.md §B) and
 * must also cover fetching the original (with regional failover) and writing
 * the variant. A backstop: the limits above keep real renders far below it.
 */
export const MAX_RENDER_SECONDS = 10;

/**
 * How many leading bytes the type sniffer looks at. 64 covers every magic
 * number and an ISOBMFF `ftyp` box with a dozen compatible brands; an SVG is
 * recognised in the first 1 KiB (SVG_SNIFF_BYTES) because XML prologues and
 * comments may come first.
 */
export const SNIFF_BYTES = 64;
export const SVG_SNIFF_BYTES = 1024;
