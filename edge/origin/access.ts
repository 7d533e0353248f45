import type { Access } from '../../core/deployment/index.ts';

/** What the origin-request function's role allows (granted by infra/aws/stacks/edge.ts, enforced by the local stack): read the originals in every region, read and write the variants. */
export const ORIGIN_REQUEST_ACCESS: readonly Access[] = [
  { objects: ['s3:GetObject'], in: 'everyOriginals' },
  { objects: ['s3:GetObject', 's3:PutObject'], in: 'variants' },
  { list: 'everyOriginals' },
  { list: 'variants' },
];
