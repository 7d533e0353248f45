/** The contract's variant params as a zod schema, for the tasks that take them as input: derived, never spelled again. */
import { z } from 'zod';
import { FITS, isBackground, NUMBER_PARAMS, OUTPUT_FORMATS, type VariantParams } from '../contract/index.ts';

const positive = z.number().int().positive();

/**
 * `fmt` one of OUTPUT_FORMATS and each of NUMBER_PARAMS a positive integer,
 * required or optional as the contract says; `fit` one of FITS but the default, `bg` `rrggbb`. Not bounded by today's limits:
 * the contract's parser clamps, and a variant made under older limits stays valid input.
 */
export const variantParamsSchema = z.object({
  fmt: z.enum(OUTPUT_FORMATS),
  ...Object.fromEntries(NUMBER_PARAMS.map((param) => [param.name, param.optional ? positive.optional() : positive])),
  fit: z.enum(FITS.filter((fit) => fit !== 'inside') as ['cover', 'contain', 'fill']).optional(),
  bg: z.string().refine(isBackground, 'bg must be rrggbb').optional(),
}) as unknown as z.ZodType<VariantParams>;
