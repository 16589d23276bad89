import { usageMeter } from "../s3/usage";

/** `usage` of the service body and GET /{uuid}/metrics. */
export interface UsageTotals {
  total_objects: number;
  total_size_bytes: number;
}

/**
 * The service's exact current totals: the usage meter's running totals over every bucket, deleted
 * buckets included until their purge has removed their objects.
 */
export async function serviceTotals(env: Env, serviceUuid: string): Promise<UsageTotals> {
  const totals = await usageMeter(env, serviceUuid).totals();
  return {
    total_objects: totals.reduce((n, t) => n + t.objects, 0),
    total_size_bytes: totals.reduce((n, t) => n + t.bytes, 0),
  };
}
