/**
 * Process-wide sharp settings, applied once when the transformer is imported.
 * Both renderers (the Lambda@Edge origin handler and the Step Functions render
 * task) import this module, so they run libvips the same way.
 */
import sharp from 'sharp';

/**
 * libvips worker threads per image: pinned to 2, never "the number of CPUs".
 * Why pinned: the AVIF encoder's output bytes depend on this number (measured
 * with sharp 0.35.5: concurrency 1, 2 and 4 give three different files for the
 * same input and options; JPEG, WebP and PNG do not change). A variant must be
 * byte-identical whichever Lambda rendered it, and Lambda vCPUs follow the
 * memory setting, so the value is a constant of the rendering, like the
 * encoder settings. Changing it changes every AVIF variant.
 * Why 2: on 2 cores an AVIF render is ~1.7× faster than with 1 thread, and on
 * 1 core (taskset) it is no slower. sharp defaults to 1 on glibc without
 * jemalloc to limit allocator fragmentation across many threads; a Lambda runs
 * one request at a time, so 2 threads keep that risk small.
 */
export const LIBVIPS_CONCURRENCY = 2;

/**
 * libvips operation cache: off. It keeps the results of recent operations
 * (default up to 50 MB, 100 operations) to reuse on identical input; a Lambda
 * renders one request at a time from a different original each time, so the
 * cache never hits and only holds memory between invocations.
 */
export const LIBVIPS_CACHE = false;

sharp.concurrency(LIBVIPS_CONCURRENCY);
sharp.cache(LIBVIPS_CACHE);
