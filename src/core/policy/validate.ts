// Grammar validation of policy documents. Every problem is reported (not just the first) with the
// path of the offending element, and a valid document comes back normalized: lists are arrays and
// condition values are strings, so the evaluator never deals with the JSON shorthand forms.

import type {
  ConditionBlock,
  PolicyDocument,
  PolicyKind,
  PrincipalBlock,
  Statement,
  ValidateOptions,
  ValidationError,
  ValidationResult,
} from "./types";
import { PRINCIPAL_TYPES } from "./types";
import { checkConditionValue, parseOperator } from "./conditions";
import { parseJson } from "./json";

const VERSIONS = ["2012-10-17", "2008-10-17"];
const TOP_KEYS = ["Version", "Id", "Statement", "Managed"];
const STATEMENT_KEYS = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9_*?-]+$/;
// arn:partition:service:region:account:resource (dialects with their own URN schemes use the same shape).
const RESOURCE = /^(?:arn|urn):[^:]*:[^:]*:[^:]*:[^:]*:.+$/;
const PRINCIPAL_ARN = /^(?:arn|urn):[^:]*:[^:]*:[^:]*:[^:]*:.+$/;
const ACCOUNT_ID = /^[A-Za-z0-9]+$/;
const CONDITION_KEY = /^[A-Za-z0-9.-]+:\S+$/;
const IDENTITY_SID = /^[A-Za-z0-9]+$/;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownKey(key: string, known: string[]): string {
  const hint = known.find((k) => k.toLowerCase() === key.toLowerCase());
  return `unknown key "${key}"` + (hint ? ` (did you mean "${hint}"?)` : "");
}

class Validator {
  readonly errors: ValidationError[] = [];

  constructor(private readonly kind: PolicyKind) {}

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** A string or a non-empty array of strings; `check` returns a message for a bad element. */
  list(value: unknown, path: string, check: (s: string) => string | null): string[] | undefined {
    const items = typeof value === "string" ? [value] : Array.isArray(value) ? value : null;
    if (!items) {
      this.error(path, "must be a string or an array of strings");
      return undefined;
    }
    if (items.length === 0) this.error(path, "must not be an empty array");
    const out: string[] = [];
    items.forEach((item: unknown, i) => {
      const at = Array.isArray(value) ? `${path}[${i}]` : path;
      if (typeof item !== "string") return this.error(at, "must be a string");
      const problem = check(item);
      if (problem) this.error(at, problem);
      out.push(item);
    });
    return out;
  }

  document(input: unknown): PolicyDocument | undefined {
    if (!isObject(input)) {
      this.error("", "policy document must be a JSON object");
      return undefined;
    }
    for (const key of Object.keys(input)) if (!TOP_KEYS.includes(key)) this.error("", unknownKey(key, TOP_KEYS));
    const doc: PolicyDocument = { Statement: [] };
    const { Version, Id, Managed, Statement: statements } = input;
    if (Version !== undefined) {
      if (typeof Version === "string" && VERSIONS.includes(Version)) doc.Version = Version as PolicyDocument["Version"];
      else this.error("Version", `must be "2012-10-17" or "2008-10-17"`);
    }
    if (Id !== undefined) {
      if (typeof Id === "string") doc.Id = Id;
      else this.error("Id", "must be a string");
    }
    if (Managed !== undefined) {
      if (typeof Managed === "boolean") doc.Managed = Managed;
      else this.error("Managed", "must be true or false");
    }
    if (statements === undefined) {
      this.error("", "missing Statement");
    } else if (Array.isArray(statements)) {
      if (statements.length === 0) this.error("Statement", "must contain at least one statement");
      statements.forEach((s: unknown, i) => this.pushStatement(doc, s, `Statement[${i}]`));
    } else if (isObject(statements)) {
      this.pushStatement(doc, statements, "Statement");
    } else {
      this.error("Statement", "must be an object or an array of objects");
    }
    return doc;
  }

  private pushStatement(doc: PolicyDocument, input: unknown, path: string): void {
    const statement = this.statement(input, path);
    if (!statement) return;
    if (statement.Sid !== undefined && doc.Statement.some((s) => s.Sid === statement.Sid)) {
      this.error(`${path}.Sid`, `duplicate Sid "${statement.Sid}"`);
    }
    doc.Statement.push(statement);
  }

  private statement(s: unknown, path: string): Statement | undefined {
    if (!isObject(s)) {
      this.error(path, "must be an object");
      return undefined;
    }
    for (const key of Object.keys(s)) if (!STATEMENT_KEYS.includes(key)) this.error(path, unknownKey(key, STATEMENT_KEYS));
    const out: Statement = { Effect: "Allow" };

    if (s.Sid !== undefined) {
      if (typeof s.Sid !== "string") this.error(`${path}.Sid`, "must be a string");
      // IAM allows only letters and digits; S3 bucket policies accept any text (AWS examples use spaces).
      else if (this.kind !== "resource" && !IDENTITY_SID.test(s.Sid)) this.error(`${path}.Sid`, "must contain only letters and digits");
      else out.Sid = s.Sid;
    }

    if (s.Effect === undefined) this.error(path, "missing Effect");
    else if (s.Effect === "Allow" || s.Effect === "Deny") out.Effect = s.Effect;
    else this.error(`${path}.Effect`, `must be "Allow" or "Deny"`);

    this.pair(s, out, path, "Principal", "NotPrincipal");
    this.pair(s, out, path, "Action", "NotAction");
    this.pair(s, out, path, "Resource", "NotResource");

    if (s.Condition !== undefined) {
      const condition = this.condition(s.Condition, `${path}.Condition`);
      if (condition) out.Condition = condition;
    }
    return out;
  }

  /** Exactly one of a positive element and its Not form, where the policy kind requires one. */
  private pair(
    s: Json,
    out: Statement,
    path: string,
    positive: "Principal" | "Action" | "Resource",
    negative: "NotPrincipal" | "NotAction" | "NotResource",
  ): void {
    const has = (k: string) => s[k] !== undefined;
    if (has(positive) && has(negative)) return this.error(path, `has both ${positive} and ${negative}`);
    const required =
      positive === "Action" || (positive === "Resource" && this.kind !== "trust") || (positive === "Principal" && this.kind !== "identity");
    if (!has(positive) && !has(negative)) {
      if (required) this.error(path, `missing ${positive} or ${negative}`);
      return;
    }
    const key = has(positive) ? positive : negative;
    const at = `${path}.${key}`;
    if (positive === "Principal") {
      if (this.kind === "identity") return this.error(at, "not allowed in an identity policy");
      if (key === "NotPrincipal" && this.kind === "trust") return this.error(at, "not allowed in a trust policy");
      const principal = this.principal(s[key], at);
      if (principal) out[key as "Principal" | "NotPrincipal"] = principal;
      return;
    }
    const check = positive === "Action" ? checkAction : checkResource;
    const values = this.list(s[key], at, check);
    if (values) out[key as "Action" | "NotAction" | "Resource" | "NotResource"] = values;
  }

  private principal(value: unknown, path: string): PrincipalBlock | undefined {
    if (value === "*") return "*";
    if (!isObject(value)) {
      this.error(path, `must be "*" or an object such as {"AWS": "<arn>"}`);
      return undefined;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) this.error(path, "must name at least one principal");
    const out: Partial<Record<(typeof PRINCIPAL_TYPES)[number], string[]>> = {};
    for (const type of keys) {
      const at = `${path}.${type}`;
      if (!(PRINCIPAL_TYPES as readonly string[]).includes(type)) {
        this.error(at, `unknown principal type (expected ${PRINCIPAL_TYPES.join(", ")})`);
        continue;
      }
      const ids = this.list(value[type], at, (id) => checkPrincipal(type, id));
      if (ids) out[type as (typeof PRINCIPAL_TYPES)[number]] = ids;
    }
    return out;
  }

  private condition(value: unknown, path: string): ConditionBlock | undefined {
    if (!isObject(value)) {
      this.error(path, "must be an object mapping operators to {key: value} objects");
      return undefined;
    }
    const out: ConditionBlock = {};
    for (const [name, keys] of Object.entries(value)) {
      const op = parseOperator(name);
      if (typeof op === "string") {
        this.error(path, op);
        continue;
      }
      const at = `${path}.${name}`;
      if (!isObject(keys) || Object.keys(keys).length === 0) {
        this.error(at, "must be an object mapping condition keys to values");
        continue;
      }
      const block: Record<string, string[]> = {};
      for (const [key, raw] of Object.entries(keys)) {
        if (!CONDITION_KEY.test(key)) this.error(at, `"${key}" is not a condition key (expected "service:name")`);
        const values = this.conditionValues(raw, `${at}.${key}`, op.def.kind);
        if (values) block[key] = values;
      }
      out[name] = block;
    }
    return out;
  }

  private conditionValues(raw: unknown, path: string, kind: Parameters<typeof checkConditionValue>[0]): string[] | undefined {
    const items = Array.isArray(raw) ? raw : [raw];
    if (items.length === 0) {
      this.error(path, "must not be an empty array");
      return undefined;
    }
    const out: string[] = [];
    items.forEach((item: unknown, i) => {
      const at = Array.isArray(raw) ? `${path}[${i}]` : path;
      if (typeof item !== "string" && typeof item !== "number" && typeof item !== "boolean") {
        return this.error(at, "must be a string, number or boolean");
      }
      const text = String(item);
      const problem = checkConditionValue(kind, text);
      if (problem) this.error(at, problem);
      out.push(text);
    });
    return out;
  }
}

function checkAction(action: string): string | null {
  return action === "*" || ACTION.test(action) ? null : `"${action}" is not a valid action (expected "service:Action" or "*")`;
}

function checkResource(resource: string): string | null {
  return resource === "*" || RESOURCE.test(resource) ? null : `"${resource}" is not a valid resource (expected an ARN or "*")`;
}

function checkPrincipal(type: string, id: string): string | null {
  if (id === "*") return null;
  if (/[*?]/.test(id)) return `wildcards are not allowed in a principal except "*" on its own`;
  if (id === "") return "must not be empty";
  if (type === "AWS" && !PRINCIPAL_ARN.test(id) && !ACCOUNT_ID.test(id)) return `"${id}" is not an ARN or account ID`;
  return null;
}

/**
 * Validates a policy document (JSON text or an already parsed value) against the AWS grammar for
 * the given kind (default "identity") and returns it normalized.
 */
export function validatePolicyDocument(input: string | unknown, opts?: ValidateOptions): ValidationResult {
  let value = input;
  if (typeof input === "string") {
    const parsed = parseJson(input);
    if (!parsed.ok) return { ok: false, errors: [{ path: "", message: `invalid JSON at position ${parsed.position}` }] };
    value = parsed.value;
  }
  const v = new Validator(opts?.kind ?? "identity");
  const policy = v.document(value);
  return policy && v.errors.length === 0 ? { ok: true, policy } : { ok: false, errors: v.errors };
}

/** "Statement[1].Effect: must be ..." lines joined for an error response. */
export function formatValidationErrors(errors: ValidationError[]): string {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ");
}
