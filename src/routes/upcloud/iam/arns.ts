// The UpCloud dialect's names for IAM entities: `urn:ecs:iam::<account>:<kind>/<name>`, where the
// account is the service uuid without dashes, and `urn:ecs:iam:::policy/<name>` for system policies.
// Its reserved names live here too: the vendor keeps them for its own internal user and role.

import type { IamPrincipalType } from "../../../schema/iam.tables";

export const RESERVED_USER = "_upcloud-internal-user";
export const RESERVED_ROLE = "_upcloud-internal-role";

/** The account part of the service's ARNs: its uuid without dashes. */
export const iamAccount = (serviceUuid: string) => serviceUuid.replaceAll("-", "");

export function iamArn(serviceUuid: string, kind: IamPrincipalType | "policy", name: string): string {
  return `urn:ecs:iam::${iamAccount(serviceUuid)}:${kind}/${name}`;
}

export const systemPolicyArn = (name: string) => `urn:ecs:iam:::policy/${name}`;

export function policyArn(ref: { serviceUuid: string; name: string; system: boolean }): string {
  return ref.system ? systemPolicyArn(ref.name) : iamArn(ref.serviceUuid, "policy", ref.name);
}
