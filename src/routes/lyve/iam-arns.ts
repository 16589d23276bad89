/**
 * The ARNs of Lyve IAM's entities, AWS's spelling: `arn:aws:iam::<account>:<kind>/<name>` with the
 * service's 12-digit account (ids.ts), and `arn:aws:iam::aws:policy/<name>` for the built-in
 * policies, as AWS writes its own managed policies. Every entity has the path "/".
 */
import type { PolicyRef } from "../../core/iam/views";
import { invalidInput, noSuchEntity } from "./iam-errors";
import { lyveAccount } from "./ids";

export type ArnKind = "user" | "group" | "role" | "policy";

export const PATH = "/";

export const lyveArn = (serviceUuid: string, kind: ArnKind, name: string) => `arn:aws:iam::${lyveAccount(serviceUuid)}:${kind}/${name}`;

export const systemPolicyArn = (name: string) => `arn:aws:iam::aws:policy/${name}`;

export const policyArnOf = (ref: Pick<PolicyRef, "serviceUuid" | "name" | "system">) =>
  ref.system ? systemPolicyArn(ref.name) : lyveArn(ref.serviceUuid, "policy", ref.name);

const POLICY_ARN = /^arn:aws:iam::([^:]*):policy\/(?:[^:]*\/)?([^/:]+)$/;

/**
 * The policy a `PolicyArn` names in the service. A well-formed ARN of another account names
 * nothing here (NoSuchEntity, as AWS answers); one that is not an ARN is invalid input.
 */
export function policyNameOf(serviceUuid: string, arn: string, isSystem: (name: string) => boolean): string {
  const m = POLICY_ARN.exec(arn);
  if (!m) throw invalidInput(`ARN ${arn} is not valid.`);
  const [, account, name] = m as unknown as [string, string, string];
  const system = account === "aws";
  if ((system ? !isSystem(name) : account !== lyveAccount(serviceUuid)) || (!system && isSystem(name))) {
    throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  }
  return name;
}

/** A stable, AWS-shaped id for an entity that has no stored one (policies): prefix + 17 characters. */
export function derivedId(prefix: string, ...parts: string[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const text = parts.join("\u0000");
  let out = prefix;
  // Three FNV-1a hashes with different offsets: 96 bits, of which 85 are written.
  for (const seed of [0x811c9dc5, 0x050c5d1f, 0x2c1b3c6d]) {
    let h = seed;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    for (let i = 0; i < 6 && out.length < prefix.length + 17; i++, h >>>= 5) out += alphabet[h & 31];
  }
  return out;
}
