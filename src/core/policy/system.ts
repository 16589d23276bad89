// Built-in managed policies every service offers (UpCloud lists them with "system": true).
// `json` is the stored document text, in the form the vendor API returns it.

import type { PolicyDocument } from "./types";
import { formatValidationErrors, validatePolicyDocument } from "./validate";

export interface SystemPolicy {
  name: string;
  description: string;
  json: string;
  document: PolicyDocument;
}

function systemPolicy(name: string, description: string, statement: object): SystemPolicy {
  const json = JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
  const result = validatePolicyDocument(json);
  // A broken built-in is a programming error; fail at module load rather than at request time.
  if (!result.ok) throw new Error(`system policy ${name} is invalid: ${formatValidationErrors(result.errors)}`);
  return { name, description, json, document: result.policy };
}

export const SYSTEM_POLICIES: readonly SystemPolicy[] = [
  systemPolicy("ECSDenyAll", "Deny all access.", { Action: ["*"], Effect: "Deny", Resource: "*" }),
  systemPolicy("ECSS3FullAccess", "Provides full access to all buckets.", { Effect: "Allow", Action: "s3:*", Resource: "*" }),
  systemPolicy("ECSS3ReadOnlyAccess", "Provides read only access to all buckets.", {
    Effect: "Allow",
    Action: ["s3:Get*", "s3:List*"],
    Resource: "*",
  }),
  systemPolicy("IAMFullAccess", "Provides full access to IAM.", { Effect: "Allow", Action: ["iam:*", "sts:*"], Resource: "*" }),
  systemPolicy("IAMReadOnlyAccess", "Provides read only access to IAM.", {
    Effect: "Allow",
    Action: ["iam:Get*", "iam:List*"],
    Resource: "*",
  }),
];

export function getSystemPolicy(name: string): SystemPolicy | undefined {
  return SYSTEM_POLICIES.find((p) => p.name === name);
}
