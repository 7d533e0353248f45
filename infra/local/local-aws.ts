/** Where the local stack pretends to run: the account and region its ARNs and events carry. */
import { UPLOAD_REGION, type OriginalsRegion } from '../../core/index.ts';

export const LOCAL_ACCOUNT = '000000000000';
/** Uploads land here and the pipeline runs here; replication copies to the other regions. */
export const PRIMARY_REGION: OriginalsRegion = UPLOAD_REGION;
