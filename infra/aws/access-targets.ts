import type { AccessTargets, BucketGroup, TableName } from '../../core/deployment/index.ts';
import { ORIGINALS_REGIONS } from '../../core/index.ts';
import { PRIMARY_REGION, type ResourceNames } from './names.ts';

/** ARNs a stack knows (CloudFormation tokens); asking for one it does not know is a bug in that stack. */
export interface KnownArns {
  readonly tables?: Readonly<Record<TableName, { readonly tableArn: string }>>;
  readonly keyValueStoreArn?: string;
  readonly distributionArn?: string;
  readonly functions?: ReadonlyMap<string, { readonly functionArn: string }>;
  readonly stateMachines?: ReadonlyMap<string, { readonly stateMachineArn: string }>;
}

/** Where a stack's grants point: the buckets by their fixed names (names.ts), the rest by the ARNs it has. */
export function accessTargets(names: ResourceNames, known: KnownArns): AccessTargets {
  const buckets: Record<BucketGroup, readonly string[]> = {
    primaryOriginals: [names.originalsBucket(PRIMARY_REGION)],
    everyOriginals: ORIGINALS_REGIONS.map((region) => names.originalsBucket(region)),
    variants: [names.variantsBucket],
    quarantine: [names.quarantineBucket],
  };
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`this stack cannot grant access to ${what}`);
    return value;
  };
  return {
    buckets: (group) => buckets[group],
    tableArn: (table) => need(known.tables, `the ${table} table`)[table].tableArn,
    get keyValueStoreArn() {
      return need(known.keyValueStoreArn, 'the KeyValueStore');
    },
    get distributionArn() {
      return need(known.distributionArn, 'the distribution');
    },
    functionArn: (task) => need(known.functions?.get(task), `the function of tasks/${task}`).functionArn,
    stateMachineArn: (workflow) => need(known.stateMachines?.get(workflow), `the ${workflow} state machine`).stateMachineArn,
  };
}
