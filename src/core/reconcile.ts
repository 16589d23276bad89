import { and, lt, notInArray } from "drizzle-orm";
import { services } from "../schema/tables";
import { db } from "../storage/db";
import { lifecycle } from "./services";

/** Services whose lifecycle has not moved for this long are checked for a lost alarm. */
const STALE_MS = 10 * 60 * 1000;

/** Hourly: asks the lifecycle object of every service stuck mid-plan to make sure it will continue. */
export async function reconcileLifecycles(env: Env, now = Date.now()): Promise<string[]> {
  const cutoff = new Date(now - STALE_MS).toISOString();
  const stuck = await db(env)
    .select({ uuid: services.uuid })
    .from(services)
    .where(and(notInArray(services.operationalState, ["running", "stopped"]), lt(services.updatedAt, cutoff)))
    .limit(500)
    .all();
  const resumed: string[] = [];
  for (const { uuid } of stuck) if (await lifecycle(env, uuid).stub.resume()) resumed.push(uuid);
  return resumed;
}
