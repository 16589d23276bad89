// Which account owns a service: every read and change checks it in D1 first, so a foreign or
// unknown id answers 404 and never instantiates the service's lifecycle object.

import { and, eq } from "drizzle-orm";
import { services } from "../../schema/tables";
import { type Db, db as getDb } from "../../storage/db";
import { notFound, serviceState, unwrap } from "../errors";
import type { ServiceChange } from "./config";
import type { ServiceRow } from "./store";
import { loadParts } from "./store";
import { toRecord, type ServiceRecord } from "./views";
import { serviceTotals } from "../metrics/usage";

export async function findService(d: Db, accountId: string, uuid: string): Promise<ServiceRow> {
  const row = await d
    .select()
    .from(services)
    .where(and(eq(services.uuid, uuid), eq(services.accountId, accountId)))
    .get();
  if (!row) throw notFound("Service");
  return row;
}

export function assertMutable(row: ServiceRow): void {
  if (row.deletingSince) throw serviceState("Service is being deleted.");
}

/** The service's lifecycle object, with its outcomes turned back into CoreErrors. */
export function lifecycle(env: Env, uuid: string) {
  const stub = env.SERVICE_LIFECYCLE.get(env.SERVICE_LIFECYCLE.idFromName(uuid));
  return {
    stub,
    start: () => stub.start(uuid),
    // The D1 check first keeps unknown or foreign ids from ever instantiating an object.
    apply: async (accountId: string, change: ServiceChange): Promise<ServiceRecord> => {
      await findService(getDb(env), accountId, uuid);
      return unwrap(await stub.apply(accountId, uuid, change)) as ServiceRecord;
    },
    remove: async (accountId: string, force: boolean): Promise<void> => {
      await findService(getDb(env), accountId, uuid);
      unwrap(await stub.remove(accountId, uuid, force));
    },
  };
}

/** A service of the account, as the neutral record (404 for an unknown or foreign id). */
export async function getService(env: Env, accountId: string, uuid: string): Promise<ServiceRecord> {
  const d = getDb(env);
  const row = await findService(d, accountId, uuid);
  const [parts, usage] = await Promise.all([loadParts(d, [uuid]), serviceTotals(env, uuid)]);
  return toRecord(env, row, { ...parts.get(uuid)!, usage });
}
