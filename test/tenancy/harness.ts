// The tenancy suite every dialect reuses (issue 13, item 6). A dialect supplies its operation list
// (from its OpenAPI document or its action table), tenant A's world (a real value for every path
// parameter), how to call as nobody / with bad credentials / as the owner / as another tenant, and
// how its error bodies look. The suite then calls every operation in every case and checks that the
// answer is the dialect's 401 (or its foreign-tenant answer) and that no body holds tenant A's ids,
// names or secrets. The owner's reads are taken before the first case and again at the end: they
// must answer exactly alike, so nothing a stranger sent changed tenant A's state.
import { beforeAll, describe, expect, it } from "vitest";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** One operation of a dialect: an OpenAPI operation, or one action of an action-table API. */
export interface Operation {
  id: string;
  method: string;
  /** Path template, `{name}` for path parameters. */
  path: string;
  pathParams: string[];
  /** The document declares a required request body. */
  bodyRequired: boolean;
}

/** What a caller sends; the caller adds its credentials (headers, a signature, a query parameter). */
export interface Outgoing {
  method: string;
  path: string;
  body?: unknown;
}

export type Caller = (req: Outgoing) => Promise<Reply>;

export interface Callers {
  /** No credentials at all. */
  anonymous: Caller;
  /** Wrong credentials of every form the dialect accepts, by name (unknown token, wrong password, revoked token…). */
  bad: Record<string, Caller>;
  /** Tenant A itself: its reads must succeed, or the world is not what the suite believes. */
  owner: Caller;
  /** Tenant B, valid credentials, sending tenant A's ids and names. */
  foreign: Caller;
}

/** What another tenant gets from an operation that does not name one of tenant A's resources (a list, a create). */
export interface ForeignAnswer<W> {
  check: (r: Reply, world: W) => void;
  /** Strings of tenant A the request itself carries and the answer may echo (a name tenant B may take too). */
  echoes?: (world: W) => string[];
}

export interface TenancyDialect<W> {
  name: string;
  operations: Operation[];
  /** Builds tenant A's world and tenant B (runs once, before every case). */
  setup: () => Promise<W>;
  callers: (world: W) => Callers;
  /** Tenant A's value for every path parameter name. */
  params: (world: W) => Record<string, string>;
  /** Path parameters that name nothing of a tenant's (regions): operations with only these are not tenant A's. */
  globalParams?: string[];
  /** Path parameters of tenant A whose values say nothing by themselves (policy versions v1, v2…): not counted among its secrets. */
  plainParams?: string[];
  /** Valid request bodies by operation id; every operation with a required body has one. */
  bodies: Record<string, (world: W) => unknown>;
  /** Turns an operation into a request; the default fills the path template from `params`. */
  request?: (op: Operation, world: W) => Outgoing;
  /** Strings of tenant A nobody else may ever see in a response: ids, names, secrets. */
  secrets: (world: W) => string[];
  /** The dialect's "not authenticated" answer (status and body format). */
  expectUnauthenticated: (r: Reply) => void;
  /** The dialect's answer to another tenant naming tenant A's resource (404 for most: the resource does not exist for them). */
  expectForeign: (r: Reply) => void;
  /** Answers for operations that name nothing of tenant A's; every such operation has one. */
  foreignAnswers?: Record<string, ForeignAnswer<W>>;
  /** Operations whose owner reads change on their own (left out of the before/after comparison). */
  volatile?: string[];
}

/** The operations of an OpenAPI document, in document order. */
export function operationsOf(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  const methods = ["get", "put", "post", "delete", "patch", "head", "options"];
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, op]) => ({
        id: op.operationId as string,
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        bodyRequired: Boolean(op.requestBody?.required),
      })),
  );
}

export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter {${name}}`);
    return encodeURIComponent(value);
  });
}

/** Which of `secrets` occur in `text` (the other tenant's strings a response must not carry). */
export function leaked(text: string, secrets: string[]): string[] {
  const lower = text.toLowerCase();
  return secrets.filter((s) => s.length > 0 && lower.includes(s.toLowerCase()));
}

export function tenancySuite<W>(d: TenancyDialect<W>) {
  const globals = new Set(d.globalParams ?? []);
  const scoped = (op: Operation) => op.pathParams.some((p) => !globals.has(p));
  const reads = d.operations.filter((op) => op.method === "GET");
  const volatile = new Set(d.volatile ?? []);

  describe(`tenancy: ${d.name}`, () => {
    let world: W;
    let callers: Callers;
    let secrets: string[];
    const before = new Map<string, { status: number; json: unknown; text: string }>();
    const request = (op: Operation): Outgoing => {
      if (d.request) return d.request(op, world);
      const body = d.bodies[op.id]?.(world);
      return { method: op.method, path: fillPath(op.path, d.params(world)), ...(body !== undefined ? { body } : {}) };
    };
    const noLeak = (r: Reply, allowed: string[] = []) => {
      const found = leaked(r.text, secrets).filter((s) => !allowed.includes(s));
      expect(found, `response carries tenant A's ${found.join(", ")}: ${r.text.slice(0, 300)}`).toEqual([]);
    };

    beforeAll(async () => {
      world = await d.setup();
      callers = d.callers(world);
      secrets = [...new Set(d.secrets(world))];
      // The owner's reads, before any stranger's request: compared with the same reads at the end.
      for (const op of reads) {
        const r = await callers.owner(request(op));
        before.set(op.id, { status: r.status, json: r.json, text: r.text });
      }
    }, 300_000);

    it(`covers every operation of ${d.name} (${d.operations.length})`, () => {
      const ids = new Set(d.operations.map((o) => o.id));
      expect(ids.size).toBe(d.operations.length);
      expect(d.operations.filter((o) => o.bodyRequired && !d.bodies[o.id]).map((o) => o.id)).toEqual([]);
      expect(Object.keys(d.bodies).filter((id) => !ids.has(id))).toEqual([]);
      const unscoped = d.operations.filter((o) => !scoped(o)).map((o) => o.id);
      expect(unscoped.filter((id) => !d.foreignAnswers?.[id])).toEqual([]);
      expect(Object.keys(d.foreignAnswers ?? {}).filter((id) => !unscoped.includes(id))).toEqual([]);
      expect([...volatile].filter((id) => !reads.some((op) => op.id === id))).toEqual([]);
      const params = d.params(world);
      const missing = d.operations.flatMap((o) => o.pathParams).filter((p) => params[p] === undefined);
      expect([...new Set(missing)]).toEqual([]);
      // The values are tenant A's: each is among its secrets unless every tenant sees it.
      const plain = new Set([...globals, ...(d.plainParams ?? [])]);
      expect(Object.entries(params).filter(([name, value]) => !plain.has(name) && !secrets.includes(value))).toEqual([]);
    });

    describe("the owner reads every resource of its world", () => {
      for (const op of reads) {
        it(`${op.id} GET ${op.path}`, () => {
          const r = before.get(op.id)!;
          expect(r.status, r.text.slice(0, 300)).toBeGreaterThanOrEqual(200);
          expect(r.status, r.text.slice(0, 300)).toBeLessThan(300);
        });
      }
    });

    for (const op of d.operations) {
      describe(`${op.id} ${op.method} ${op.path}`, () => {
        it("no credentials: the dialect's 401", async () => {
          const r = await callers.anonymous(request(op));
          d.expectUnauthenticated(r);
          noLeak(r);
        });

        it("bad credentials: the dialect's 401 for each form", async () => {
          for (const [name, caller] of Object.entries(callers.bad)) {
            const r = await caller(request(op));
            try {
              d.expectUnauthenticated(r);
            } catch (e) {
              throw new Error(`${name}: ${(e as Error).message}`);
            }
            noLeak(r);
          }
        }, 120_000);

        const answer = d.foreignAnswers?.[op.id];
        it(
          answer ? "another tenant: its own answer, nothing of tenant A's" : "another tenant with tenant A's ids: hidden, nothing of A's",
          async () => {
            const r = await callers.foreign(request(op));
            if (answer) answer.check(r, world);
            else d.expectForeign(r);
            noLeak(r, answer?.echoes?.(world) ?? []);
          },
        );
      });
    }

    describe("afterwards", () => {
      it("the owner's reads answer exactly as before: no stranger's request changed tenant A's state", async () => {
        for (const op of reads) {
          if (volatile.has(op.id)) continue;
          const r = await callers.owner(request(op));
          const was = before.get(op.id)!;
          expect({ status: r.status, json: r.json }, op.id).toEqual({ status: was.status, json: was.json });
        }
      }, 300_000);
    });
  });
}
