import type { OperationalState } from "../schema/tables";

/**
 * The service lifecycle as pure data: which operational states a service walks through.
 * The ServiceLifecycle Durable Object executes these plans one step per alarm.
 */
export type Plan = OperationalState[];

export function setupPlan(configuredStatus: "started" | "stopped", hasPrivateNetwork: boolean): Plan {
  if (configuredStatus === "stopped") return ["pending", "setup-service", "setup-network", "stopped"];
  return [
    "pending",
    "setup-service",
    "setup-network",
    "setup-tls",
    "setup-public-endpoint",
    ...(hasPrivateNetwork ? (["setup-private-endpoint"] as const) : []),
    "setup-dns",
    "setup-iam",
    "cleanup-deleted-buckets",
    "setup-checkup",
    "running",
  ];
}

export function deletePlan(hasPrivateNetwork: boolean): Plan {
  return [
    "delete-public-endpoint",
    ...(hasPrivateNetwork ? (["delete-private-endpoint"] as const) : []),
    "delete-buckets",
    "delete-iam",
    "delete-namespace",
    "delete-dns",
    "delete-tls",
    "delete-network",
    "delete-service",
  ];
}

export const isTerminal = (s: OperationalState) => s === "running" || s === "stopped";
export const isDeleting = (s: OperationalState) => s.startsWith("delete-");

/** State messages say what a step waits on; they are cleared when the step is done. */
export function stateMessageFor(state: OperationalState, domains: string[]): { code: string; message: string } | null {
  if (state === "setup-tls" && domains.length) {
    const list = domains.flatMap((d) => [d, `*.${d}`]).join(", ");
    return { code: "waiting_certificate_issuing", message: `Certificate issuing is in progress for domains: ${list}.` };
  }
  return null;
}
