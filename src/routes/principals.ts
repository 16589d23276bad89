// Which spellings name an IAM principal, decided once for every dialect: a policy written through
// any dialect names principals its own way, and the data plane must recognise them all. The first
// spelling is the one requests carry as aws:PrincipalArn.

import type { PrincipalNaming } from "../core/iam/principal";
import type { IamPrincipalType } from "../schema/iam.tables";
import { iamAccount, iamArn } from "./upcloud/iam/arns";

export interface PrincipalName {
  serviceUuid: string;
  type: IamPrincipalType;
  name: string;
}

/** Every ARN that names the principal, primary first. New dialects append theirs here. */
export function principalArns(p: PrincipalName): string[] {
  return [iamArn(p.serviceUuid, p.type, p.name)];
}

export const principalArn = (p: PrincipalName): string => principalArns(p)[0]!;

/** The account id a policy may name instead of a principal's ARN. */
export const principalAccount = (serviceUuid: string): string => iamAccount(serviceUuid);

/** The naming the core's policy evaluations (simulation) take. */
export const PRINCIPAL_NAMING: PrincipalNaming = { arn: principalArn, account: principalAccount };
