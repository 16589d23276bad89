// Rules of the IAM namespace that every dialect shares: names, limits, ids, documents. (ARNs are each
// dialect's own spelling: see src/routes/principals.ts.)

import { formatValidationErrors, policyToJson, validatePolicyDocument, type PolicyKind } from "../policy";
import { invalid, invalidMany, malformedPolicy } from "../errors";

/** `[\w+=,.@-]+`, the AWS IAM name alphabet (ASCII \w). */
export const IAM_NAME = /^[\w+=,.@-]+$/;
export const IAM_NAME_SOURCE = "[\\w+=,.@-]+";

export const LIMITS = {
  keysPerUser: 2,
  versionsPerPolicy: 5,
  tags: 50,
  /** AWS's hard maximum of managed policies per user, group or role. */
  attachedPerPrincipal: 20,
  inlinePerPrincipal: 20,
  /** AWS: a user can be in at most 10 groups. */
  groupsPerUser: 10,
  documentChars: 6144,
  trustDocumentChars: 131072,
  descriptionChars: 1000,
} as const;

export const MAX_SESSION = { min: 900, max: 43200, default: 3600 } as const;

/** Reason a name is bad, or null. Shared by the zod schemas (field names) and the core (other dialects). */
export function nameProblem(name: string, max: number, reserved?: string): string | null {
  if (name.length < 1 || name.length > max) return `must be 1-${max} characters`;
  if (!IAM_NAME.test(name)) return `must match ${IAM_NAME_SOURCE}`;
  if (reserved && name === reserved) return `"${reserved}" is reserved for internal use`;
  return null;
}

export const NAME_MAX: Record<"user" | "group" | "role" | "policy" | "inline", number> = {
  user: 64,
  group: 128,
  role: 64,
  policy: 128,
  inline: 128,
};

/** `reserved` is a name the calling dialect keeps for itself (its schemas refuse it before this runs). */
export function checkName(field: string, name: string, kind: keyof typeof NAME_MAX, reserved?: string): void {
  const problem = nameProblem(name, NAME_MAX[kind], reserved);
  if (problem) throw invalid(field, problem);
}

export function checkDescription(field: string, d: string | undefined): void {
  if (d !== undefined && d.length > LIMITS.descriptionChars) throw invalid(field, `must be at most ${LIMITS.descriptionChars} characters`);
}

export function checkMaxSession(field: string, n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n < MAX_SESSION.min || n > MAX_SESSION.max)) {
    throw invalid(field, `must be an integer ${MAX_SESSION.min}-${MAX_SESSION.max}`);
  }
}

// ---------------------------------------------------------------- tags

export interface Tag {
  key: string;
  value?: string | undefined;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** `at(i, field)` names a field of tag i in the caller's request shape. */
export function checkTags(tags: Tag[], at: (i: number, field: string) => string, whole: string): void {
  const params: { name: string; reason: string }[] = [];
  if (tags.length > LIMITS.tags) params.push({ name: whole, reason: `must have at most ${LIMITS.tags} tags` });
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    if (!TAG_KEY.test(t.key)) params.push({ name: at(i, "key"), reason: "must be 1-128 letters, digits, spaces or _ . : / = + - @" });
    else if (seen.has(t.key)) params.push({ name: at(i, "key"), reason: `tag key "${t.key}" is used twice` });
    seen.add(t.key);
    if (t.value !== undefined && !TAG_VALUE.test(t.value))
      params.push({ name: at(i, "value"), reason: "must be 0-256 letters, digits, spaces or _ . : / = + - @" });
  });
  if (params.length) throw invalidMany(params);
}

// ---------------------------------------------------------------- ids and secrets

function randomHexUpper(bytes: number): string {
  let s = "";
  for (const b of crypto.getRandomValues(new Uint8Array(bytes))) s += b.toString(16).padStart(2, "0");
  return s.toUpperCase();
}

/** `AKIA` + 16 uppercase hex, the shape the vendor issues. */
export const newAccessKeyId = () => "AKIA" + randomHexUpper(8);
export const newUserId = () => "AIDA" + randomHexUpper(8);
export const newRoleId = () => "AROA" + randomHexUpper(8);

const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** 40 characters of the base64 alphabet, as AWS secrets look; 240 random bits. */
export function newSecret(): string {
  let s = "";
  for (const b of crypto.getRandomValues(new Uint8Array(40))) s += SECRET_ALPHABET[b & 63];
  return s;
}

export const versionId = (n: number) => `v${n}`;

/** "v3" → 3; anything else is a validation error on `field`. */
export function parseVersionId(field: string, id: string): number {
  const m = /^v([1-9]\d{0,8})$/.exec(id);
  if (!m) throw invalid(field, "must be a version id like v1");
  return Number(m[1]);
}

// ---------------------------------------------------------------- documents

/**
 * Policy documents travel percent-encoded (RFC 3986, as the vendor returns them) or as raw JSON.
 * Text that starts with "{" is raw JSON; anything else is percent-decoded, with "+" read as a space
 * because the vendor itself writes spaces that way (`%7B%0A++++%22Version%22…`).
 */
export function decodeDocument(input: string): string | null {
  if (input.trimStart().startsWith("{") || !input.includes("%")) return input;
  try {
    return decodeURIComponent(input.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** Every document leaves the API percent-encoded. */
export const encodeDocument = (text: string) => encodeURIComponent(text);

export interface ParsedDocument {
  /** The decoded text, kept as the client wrote it. */
  text: string;
  /** Normalized JSON for the evaluator. */
  normalized: string;
}

/** Decodes and validates a document; every grammar problem becomes an invalid_params entry on `field`. */
export function parseDocument(field: string, input: string, kind: PolicyKind, maxChars: number = LIMITS.documentChars): ParsedDocument {
  const text = decodeDocument(input);
  if (text === null) throw invalid(field, "is neither JSON nor valid percent-encoding (RFC 3986)");
  if (text.trim().length === 0) throw invalid(field, "must not be empty");
  if (text.length > maxChars) throw invalid(field, `must be at most ${maxChars} characters (decoded)`);
  const result = validatePolicyDocument(text, { kind });
  if (!result.ok) {
    throw malformedPolicy(
      `Validation error: ${field}: ${formatValidationErrors(result.errors)}`,
      result.errors.map((e) => ({ name: field, reason: e.path ? `${e.path}: ${e.message}` : e.message })),
    );
  }
  return { text, normalized: policyToJson(result.policy) };
}
