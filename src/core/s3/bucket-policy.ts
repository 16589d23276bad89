/**
 * Bucket policies: the policy engine's "resource" grammar, plus S3's own rules that every action
 * is an S3 action and every resource lies in the bucket the policy is attached to.
 */
import { formatValidationErrors, validatePolicyDocument, type NamedPolicy, type PolicyDocument } from "../policy";

/** S3 refuses policies larger than 20 KB. */
export const MAX_BUCKET_POLICY_BYTES = 20 * 1024;

export type BucketPolicyCheck = { ok: true; document: PolicyDocument } | { ok: false; message: string };

export function checkBucketPolicy(bucket: string, text: string): BucketPolicyCheck {
  if (new TextEncoder().encode(text).length > MAX_BUCKET_POLICY_BYTES) {
    return { ok: false, message: "Policies must not exceed 20480 bytes." };
  }
  const result = validatePolicyDocument(text, { kind: "resource" });
  if (!result.ok) return { ok: false, message: formatValidationErrors(result.errors) };
  const arn = `arn:aws:s3:::${bucket}`;
  const problems: string[] = [];
  result.policy.Statement.forEach((st, i) => {
    for (const a of [...(st.Action ?? []), ...(st.NotAction ?? [])]) {
      if (a !== "*" && !a.toLowerCase().startsWith("s3:")) problems.push(`Statement[${i}]: Policy has invalid action "${a}"`);
    }
    for (const r of [...(st.Resource ?? []), ...(st.NotResource ?? [])]) {
      if (r !== arn && !r.startsWith(`${arn}/`)) problems.push(`Statement[${i}]: Policy has invalid resource "${r}"`);
    }
  });
  if (problems.length) return { ok: false, message: problems.join("; ") };
  return { ok: true, document: result.policy };
}

// Policies are stored as the client sent them; requests reuse the parsed form.
const cache = new Map<string, NamedPolicy | null>();
const CACHE_LIMIT = 256;

/** The stored policy text as the evaluator's resource policy (null when it no longer validates). */
export function bucketPolicyForEvaluation(text: string | null): NamedPolicy | null {
  if (!text) return null;
  let p = cache.get(text);
  if (p === undefined) {
    const r = validatePolicyDocument(text, { kind: "resource" });
    p = r.ok ? { name: "bucket-policy", source: "bucket-policy", document: r.policy } : null;
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(text, p);
  }
  return p;
}
