import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { config } from "../config";
import { capture, CoreError, type Outcome } from "../core/errors";
import { deletePlan, isTerminal, type Plan, setupPlan, stateMessageFor } from "../core/lifecycle";
import { deleteServiceIam } from "../core/iam/service-iam";
import { purgeAllBuckets, purgeDeletedBuckets } from "../core/buckets/purge";
import {
  assertMutable,
  currentConfig,
  findService,
  getServiceParts,
  getServiceView,
  hasPrivate,
  needsReconfigure,
  applyChange,
  assertEmbeddedUnchanged,
  toView,
  type ServiceChange,
  type ServiceRow,
  serviceContents,
  serviceDomains,
  validateConfig,
  writeConfig,
} from "../core/services";
import { reverifyCustomDomains } from "../core/websites/domains";
import { isoMicro } from "../lib/time";
import type { ServiceView } from "../schema/service";
import { type OperationalState, services, serviceStateMessages } from "../schema/tables";
import { db } from "../storage/db";

interface LifecycleRow {
  service_uuid: string;
  plan: string;
  step: number;
}

const SCHEMA_VERSION = 1;

/**
 * One object per service: it serializes every change of that service (so concurrent PATCHes never
 * lose an update) and walks the lifecycle plans one step per alarm. D1 stays the record the API
 * reads; this object's SQLite holds only where the running plan is.
 */
export class ServiceLifecycle extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate(): void {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const v = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0]?.value;
    if (v === undefined) {
      sql.exec(
        "CREATE TABLE lifecycle (id INTEGER PRIMARY KEY CHECK (id = 1), service_uuid TEXT NOT NULL, plan TEXT NOT NULL, step INTEGER NOT NULL)",
      );
      sql.exec("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", String(SCHEMA_VERSION));
    }
  }

  /** Runs `fn` after every earlier call has finished: one writer per service at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private get stepMs(): number {
    return config(this.env).LIFECYCLE_STEP_MS;
  }

  private state(): LifecycleRow | undefined {
    return this.ctx.storage.sql
      .exec<Record<string, SqlStorageValue>>("SELECT service_uuid, plan, step FROM lifecycle WHERE id = 1")
      .toArray()[0] as LifecycleRow | undefined;
  }

  private async startPlan(uuid: string, plan: Plan): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT INTO lifecycle (id, service_uuid, plan, step) VALUES (1, ?, ?, 0) ON CONFLICT (id) DO UPDATE SET service_uuid = excluded.service_uuid, plan = excluded.plan, step = 0",
      uuid,
      JSON.stringify(plan),
    );
    await this.ctx.storage.setAlarm(Date.now() + this.stepMs);
  }

  /** Begins the setup plan of a freshly created service (its row says pending). */
  async start(uuid: string): Promise<void> {
    return this.serial(async () => {
      const d = db(this.env);
      const row = await d.select().from(services).where(eq(services.uuid, uuid)).get();
      if (!row) return;
      const parts = await getServiceParts(d, uuid);
      await this.startPlan(uuid, setupPlan(row.configuredStatus, hasPrivate(currentConfig(row, parts))));
    });
  }

  async apply(accountId: string, uuid: string, change: ServiceChange): Promise<Outcome<ServiceView>> {
    return this.serial(() =>
      capture(async () => {
        const d = db(this.env);
        const row = await findService(d, accountId, uuid);
        assertMutable(row);
        const parts = await getServiceParts(d, uuid);
        const before = currentConfig(row, parts);
        if (change.kind === "replace" || change.kind === "patch") assertEmbeddedUnchanged(toView(this.env, row, parts), change.input);
        const after = applyChange(before, change);
        validateConfig(after);
        if (
          before.configuredStatus === "started" &&
          after.configuredStatus === "stopped" &&
          before.terminationProtection &&
          after.terminationProtection
        ) {
          throw new CoreError(
            "SERVICE_ERROR",
            "Service is protected against termination and shutdown. Remove termination protection first.",
          );
        }
        const restart = needsReconfigure(before, after);
        await writeConfig(this.env, row, after, restart ? "pending" : row.operationalState);
        if (restart) {
          await d.delete(serviceStateMessages).where(eq(serviceStateMessages.serviceUuid, uuid));
          await this.startPlan(uuid, setupPlan(after.configuredStatus, hasPrivate(after)));
        }
        return getServiceView(this.env, accountId, uuid);
      }),
    );
  }

  async remove(accountId: string, uuid: string, force: boolean): Promise<Outcome<void>> {
    return this.serial(() =>
      capture(async () => {
        const d = db(this.env);
        const row = await findService(d, accountId, uuid);
        if (row.deletingSince) return; // already on its way out: deleting twice is not an error
        if (row.terminationProtection) {
          throw new CoreError(
            "SERVICE_ERROR",
            "Service is protected against termination and shutdown. Remove termination protection first.",
          );
        }
        if (!force) {
          const held = await serviceContents(d, uuid);
          if (held.buckets || held.iamEntities) {
            throw new CoreError(
              "SERVICE_ERROR",
              `Service is not empty: it holds ${held.buckets} bucket(s) and ${held.iamEntities} IAM entit${held.iamEntities === 1 ? "y" : "ies"}. Delete them first, or delete with force=true.`,
            );
          }
        }
        const plan = deletePlan(hasPrivate(currentConfig(row, await getServiceParts(d, uuid))));
        await d.batch([
          d
            .update(services)
            .set({ deletingSince: isoMicro(), operationalState: plan[0]!, updatedAt: isoMicro() })
            .where(eq(services.uuid, uuid)),
          d.delete(serviceStateMessages).where(eq(serviceStateMessages.serviceUuid, uuid)),
        ]);
        await this.startPlan(uuid, plan);
      }),
    );
  }

  /**
   * Safety net run by the hourly cron: a plan that is not finished must have an alarm. Alarms are
   * durable, so this only matters after an operator intervention or a platform incident.
   */
  async resume(): Promise<boolean> {
    return this.serial(async () => {
      const st = this.state();
      if (!st || (await this.ctx.storage.getAlarm()) !== null) return false;
      const plan = JSON.parse(st.plan) as Plan;
      const current = plan[st.step];
      if (!current || isTerminal(current)) return false;
      await this.ctx.storage.setAlarm(Date.now() + this.stepMs);
      return true;
    });
  }

  override async alarm(): Promise<void> {
    await this.serial(() => this.step());
  }

  /** Does the work of the current state; when it is complete, enters the next one. */
  private async step(): Promise<void> {
    const st = this.state();
    if (!st) return;
    const plan = JSON.parse(st.plan) as Plan;
    const current = plan[st.step];
    const d = db(this.env);
    const row = await d.select().from(services).where(eq(services.uuid, st.service_uuid)).get();
    if (!row || !current) {
      await this.ctx.storage.deleteAll();
      return;
    }
    const finished = await this.work(row, current);
    if (!finished) {
      await this.ctx.storage.setAlarm(Date.now() + this.stepMs);
      return;
    }
    if (current === "delete-service") {
      await this.ctx.storage.deleteAll(); // the service is gone; so is its lifecycle
      return;
    }
    const next = plan[st.step + 1];
    if (!next) return;
    this.ctx.storage.sql.exec("UPDATE lifecycle SET step = ? WHERE id = 1", st.step + 1);
    await this.enter(row, next);
    if (!isTerminal(next)) await this.ctx.storage.setAlarm(Date.now() + this.stepMs);
  }

  private async enter(row: ServiceRow, state: OperationalState): Promise<void> {
    const d = db(this.env);
    const now = isoMicro();
    const dom = serviceDomains(this.env, row);
    const msg = stateMessageFor(state, [dom.public]);
    await d.batch([
      d.update(services).set({ operationalState: state, updatedAt: now }).where(eq(services.uuid, row.uuid)),
      // A message describes what the state it was raised in waits on; a new state clears it.
      d.delete(serviceStateMessages).where(eq(serviceStateMessages.serviceUuid, row.uuid)),
      ...(msg
        ? [
            d.insert(serviceStateMessages).values({
              serviceUuid: row.uuid,
              code: msg.code,
              message: msg.message,
              operationalState: state,
              createdAt: now,
              updatedAt: now,
            }),
          ]
        : []),
    ]);
  }

  /** Real work per state; returns false when the state needs another turn (large purges). */
  private async work(row: ServiceRow, state: OperationalState): Promise<boolean> {
    const d = db(this.env);
    switch (state) {
      // The control plane's bucket purge (core/buckets/purge.ts), a bounded turn per alarm.
      case "cleanup-deleted-buckets":
        return purgeDeletedBuckets(this.env, row.uuid);
      case "delete-buckets":
        return purgeAllBuckets(this.env, row.uuid);
      case "delete-iam":
        await deleteServiceIam(d, row.uuid);
        return true;
      case "setup-dns":
        // Custom domains' CNAME/ACME records are checked again on every (re)configuration.
        await reverifyCustomDomains(this.env, row.uuid);
        return true;
      case "delete-service":
        // Cascades to networks, labels, messages and every IAM row of the service.
        await d.delete(services).where(eq(services.uuid, row.uuid));
        return true;
      default:
        return true;
    }
  }
}
