/** The freshness addresses and tokens of the contract (contract/freshness.ts), for Node code: SHA-256 from node:crypto. */
import { createHash } from 'node:crypto';
import { freshnessAddress, generationToken, type FreshnessAddress } from './contract/index.ts';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Where an original's freshness entry lives (the viewer function computes the same). */
export const freshnessAddressOf = (originalKey: string): FreshnessAddress => freshnessAddress(sha256Hex(originalKey));

/** The generation token of the change `change` names (an upload's `key@etag`). */
export const generationTokenOf = (change: string): string => generationToken(sha256Hex(change));
