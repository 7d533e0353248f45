/** The sharp transformer shared by the origin handler and the render task. */
export { renderVariant, type RenderedImage } from './render.ts';
export { inspectSource } from './inspect.ts';
export type { SourceInfo } from './context.ts';
export { SOURCE_FORMATS, type SourceFormat } from './sniff.ts';
export * from './limits.ts';
export { CODEC_QUALITY } from './encoders.ts';
export { LIBVIPS_CONCURRENCY } from './runtime.ts';
export * from './variant.ts';
