/**
 * The shapes of the console's JSON endpoints, shared by the routes that
 * answer them, the page and the CLI. Types only: the browser bundle imports it.
 */
import type { Fit, SigningMode, VariantParams } from '../../../core/index.ts';
import type { Execution } from '../executions.ts';

/** An execution as the list and the operations return it: without its event history. */
export type ExecutionSummary = Omit<Execution, 'events'>;

export interface OriginalSummary {
  /** `{tenant}/{path}`, as in every bucket. */
  readonly key: string;
  /** Its URL path at the edge. */
  readonly uri: string;
  readonly variants: number;
  /** An upload or render execution of it is running: its standard variants are still being made. */
  readonly rendering: boolean;
}

export interface TakenDown {
  readonly key: string;
  readonly reason: string;
  readonly at: string;
}

export interface OriginalsListing {
  /** Every registered tenant, with or without originals; `signing` when its URLs need a signature. */
  readonly tenants: ReadonlyArray<{
    readonly tenant: string;
    readonly signing?: SigningMode;
    /** The width ladder its URLs snap to (its config's, else the default): what a srcset offers. */
    readonly ladder: readonly number[];
    readonly originals: readonly OriginalSummary[];
  }>;
  /** The deny-list: what the viewer function answers 451 for. */
  readonly takenDown: readonly TakenDown[];
}

/** The body of `PUT /_local/tenants/{tenant}`: the tenant's whole config (infra/local/tenant-put.ts). */
export interface TenantPut {
  readonly ladder?: readonly number[];
  /** The quality steps q snaps up to (TenantConfig.qualities). */
  readonly qualities?: readonly number[];
  /** Aspect ratios as `"W:H"`, which w with h is held to; `[]` drops h (TenantConfig.ratios). */
  readonly ratios?: readonly string[];
  /** The fits a request with w and h may name, `inside` among them (TenantConfig.fits). */
  readonly fits?: readonly Fit[];
  /** `#rrggbb`: a JPEG's padding under fit=contain (TenantConfig.background). */
  readonly background?: string;
  /** `none`: its URLs need no signature. Left out: public for a new or public tenant; refused for one that signs. */
  readonly signing?: SigningMode | 'none';
  /** Required beside `"signing": "none"` to make a signing tenant public. */
  readonly confirmPublic?: boolean;
}

/** How a variant got into the variants bucket, and how long that took. */
export type RenderPath =
  | {
      readonly kind: 'pre-rendered';
      /** The render-variant task's state, from entered to exited: fetch, render and store. */
      readonly ms: number;
      readonly execution: string;
      readonly at: string;
    }
  | {
      readonly kind: 'rendered on a miss';
      /** The origin handler's fetch plus render, as its Server-Timing reports them. */
      readonly ms: number;
      readonly fetchMs: number;
      readonly renderMs: number;
      readonly region: string;
      readonly at: string;
    }
  /** Rendered before this stack started, or by a path that reports nothing. */
  | { readonly kind: 'unknown' };

export interface VariantView {
  /** Its key in the variants bucket. */
  readonly key: string;
  readonly params: VariantParams;
  /** The canonical URL: the one cache key every equivalent request maps to. */
  readonly url: string;
  readonly bytes: number;
  readonly contentType: string;
  readonly render: RenderPath;
}

export interface VariantsListing {
  readonly key: string;
  /** Whether the original is in the primary region. */
  readonly original: boolean;
  readonly variants: readonly VariantView[];
}

/** What the viewer function makes of one URL: the cache key it maps to, or its own answer. */
export type Normalized =
  | {
      readonly ok: true;
      readonly cacheKey: string;
      readonly variantKey: string;
      readonly params: VariantParams;
      /** Query parameters of the request the cache key does not take from it: dropped, or (`bg`, `v`) set by the viewer function itself. */
      readonly dropped: readonly string[];
    }
  | { readonly ok: false; readonly status: number; readonly reason: string };
