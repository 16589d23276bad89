// Condition operators and the evaluation of a statement's Condition block.
//
// Results are three-valued. "unknown" arises where AWS would let a missing key satisfy a negated
// operator (StringNotEquals on an absent key is true in AWS). We never let that widen an Allow, and
// never let it switch off a Deny: the evaluator treats "unknown" as "does not apply" for Allow
// statements and "applies" for Deny statements (fail closed both ways).

import type { ConditionBlock } from "./types";
import { arnMatches, compilePattern, globMatch, type VariableLookup } from "./match";
import { cidrContains, parseCidr, parseIp } from "./ip";
import { isBase64, parseBool, parseDate, parseNumber } from "./values";

export type Truth = boolean | "unknown";

/** Tests one context value; undefined when the value is not comparable (not a number, not an IP...). */
type Matcher = (contextValue: string) => boolean | undefined;

export type ValueKind = "string" | "number" | "date" | "bool" | "binary" | "ip" | "arn" | "null";

interface OperatorDef {
  kind: ValueKind;
  /** Negated operators hold when no policy value matches (StringNotEquals = not StringEquals). */
  negated: boolean;
  /** null when the policy value names an unresolvable variable or is malformed. */
  prepare(policyValue: string, variables: VariableLookup | null): Matcher | null;
}

function stringOp(wildcards: boolean, ignoreCase: boolean, negated: boolean): OperatorDef {
  return {
    kind: "string",
    negated,
    prepare(policyValue, variables) {
      const glob = compilePattern(policyValue, { wildcards, ignoreCase, variables });
      if (!glob) return null;
      return (v) => globMatch(glob, ignoreCase ? v.toLowerCase() : v);
    },
  };
}

function orderedOp(kind: "number" | "date", test: (ctx: number, policy: number) => boolean, negated = false): OperatorDef {
  const parse = kind === "number" ? parseNumber : parseDate;
  return {
    kind,
    negated,
    prepare(policyValue) {
      const p = parse(policyValue);
      if (p === undefined) return null;
      return (v) => {
        const c = parse(v);
        return c === undefined ? undefined : test(c, p);
      };
    },
  };
}

function arnOp(negated: boolean): OperatorDef {
  return {
    kind: "arn",
    negated,
    // A value that is not an ARN, or a pattern with an unresolvable variable, is "not comparable".
    prepare: (policyValue, variables) => (v) => arnMatches(policyValue, v, variables) ?? undefined,
  };
}

function ipOp(negated: boolean): OperatorDef {
  return {
    kind: "ip",
    negated,
    prepare(policyValue) {
      const cidr = parseCidr(policyValue);
      if (!cidr) return null;
      return (v) => {
        const ip = parseIp(v);
        return ip ? cidrContains(cidr, ip) : undefined;
      };
    },
  };
}

const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;

// Null is handled by evaluateKey; its entry only carries the value kind for validation.
const NULL_OP: OperatorDef = { kind: "null", negated: false, prepare: () => null };

export const OPERATORS: Readonly<Record<string, OperatorDef>> = {
  StringEquals: stringOp(false, false, false),
  StringNotEquals: stringOp(false, false, true),
  StringEqualsIgnoreCase: stringOp(false, true, false),
  StringNotEqualsIgnoreCase: stringOp(false, true, true),
  StringLike: stringOp(true, false, false),
  StringNotLike: stringOp(true, false, true),
  NumericEquals: orderedOp("number", eq),
  NumericNotEquals: orderedOp("number", eq, true),
  NumericLessThan: orderedOp("number", lt),
  NumericLessThanEquals: orderedOp("number", le),
  NumericGreaterThan: orderedOp("number", gt),
  NumericGreaterThanEquals: orderedOp("number", ge),
  DateEquals: orderedOp("date", eq),
  DateNotEquals: orderedOp("date", eq, true),
  DateLessThan: orderedOp("date", lt),
  DateLessThanEquals: orderedOp("date", le),
  DateGreaterThan: orderedOp("date", gt),
  DateGreaterThanEquals: orderedOp("date", ge),
  Bool: {
    kind: "bool",
    negated: false,
    prepare(policyValue) {
      const p = parseBool(policyValue);
      if (p === undefined) return null;
      return (v) => {
        const c = parseBool(v);
        return c === undefined ? undefined : c === p;
      };
    },
  },
  BinaryEquals: {
    kind: "binary",
    negated: false,
    prepare: (policyValue) => (v) => v === policyValue,
  },
  IpAddress: ipOp(false),
  NotIpAddress: ipOp(true),
  ArnEquals: arnOp(false),
  ArnLike: arnOp(false),
  ArnNotEquals: arnOp(true),
  ArnNotLike: arnOp(true),
  Null: NULL_OP,
};

export interface ParsedOperator {
  qualifier: "ForAnyValue" | "ForAllValues" | null;
  base: string;
  ifExists: boolean;
  def: OperatorDef;
}

/** Parses "ForAnyValue:StringLikeIfExists" and friends; a string is the reason it is invalid. */
export function parseOperator(name: string): ParsedOperator | string {
  let rest = name;
  let qualifier: ParsedOperator["qualifier"] = null;
  const colon = rest.indexOf(":");
  if (colon !== -1) {
    const q = rest.slice(0, colon);
    if (q !== "ForAnyValue" && q !== "ForAllValues") {
      return `unknown qualifier "${q}" (expected "ForAnyValue" or "ForAllValues")`;
    }
    qualifier = q;
    rest = rest.slice(colon + 1);
  }
  const ifExists = rest.endsWith("IfExists") && rest !== "IfExists";
  const base = ifExists ? rest.slice(0, -"IfExists".length) : rest;
  const def = Object.hasOwn(OPERATORS, base) ? OPERATORS[base] : undefined;
  if (!def) {
    const hint = Object.keys(OPERATORS).find((k) => k.toLowerCase() === base.toLowerCase());
    return `unknown operator "${name}"` + (hint ? ` (did you mean "${hint}"?)` : "");
  }
  if (base === "Null" && ifExists) return `"Null" does not take the IfExists suffix`;
  if (base === "Null" && qualifier) return `"Null" does not take a ${qualifier} qualifier`;
  return { qualifier, base, ifExists, def };
}

function any(values: Truth[]): Truth {
  if (values.includes(true)) return true;
  return values.includes("unknown") ? "unknown" : false;
}

function all(values: Truth[]): Truth {
  if (values.includes(false)) return false;
  return values.includes("unknown") ? "unknown" : true;
}

/** Looks up a context key by its lower-cased name; undefined or [] means absent. */
export type ContextLookup = (lowerKey: string) => string[] | undefined;

function evaluateKey(op: ParsedOperator, policyValues: string[], context: string[] | undefined, variables: VariableLookup | null): Truth {
  const present = context !== undefined && context.length > 0;
  if (op.base === "Null") {
    // Null: "true" holds when the key is absent, "false" when it is present.
    return policyValues.some((v) => parseBool(v) === !present);
  }
  if (!present) {
    if (op.ifExists) return true;
    // AWS: ForAllValues over an empty set is vacuously true, even without IfExists.
    if (op.qualifier === "ForAllValues") return true;
    if (op.qualifier === "ForAnyValue") return false;
    return op.def.negated ? "unknown" : false;
  }
  let unresolved = false;
  const matchers: Matcher[] = [];
  for (const value of policyValues) {
    const m = op.def.prepare(value, variables);
    if (m) matchers.push(m);
    else unresolved = true;
  }
  const perValue = (v: string): Truth => {
    let uncertain = unresolved;
    for (const m of matchers) {
      const r = m(v);
      if (r === true) return !op.def.negated;
      if (r === undefined) uncertain = true;
    }
    if (!op.def.negated) return false;
    return uncertain ? "unknown" : true;
  };
  const results = context.map(perValue);
  if (op.qualifier === "ForAnyValue") return any(results);
  if (op.qualifier === "ForAllValues") return all(results);
  // Without a qualifier a multi-valued key matches if any value does; negated: if none does.
  return op.def.negated ? all(results) : any(results);
}

/** All operators and all keys must hold (AND); the values listed for one key are ORed. */
export function evaluateConditions(block: ConditionBlock, context: ContextLookup, variables: VariableLookup | null): Truth {
  const results: Truth[] = [];
  for (const [name, keys] of Object.entries(block)) {
    const op = parseOperator(name);
    if (typeof op === "string") return "unknown"; // never validated; fail closed
    for (const [key, values] of Object.entries(keys)) {
      const r = evaluateKey(op, values, context(key.toLowerCase()), variables);
      if (r === false) return false;
      results.push(r);
    }
  }
  return all(results);
}

/** Whether a policy value is well-formed for the operator's kind; null when it is. */
export function checkConditionValue(kind: ValueKind, value: string): string | null {
  switch (kind) {
    case "number":
      return parseNumber(value) === undefined ? `"${value}" is not a number` : null;
    case "date":
      return parseDate(value) === undefined ? `"${value}" is not an ISO 8601 date or epoch seconds` : null;
    case "bool":
    case "null":
      return parseBool(value) === undefined ? `"${value}" must be "true" or "false"` : null;
    case "ip":
      return parseCidr(value) ? null : `"${value}" is not an IPv4 or IPv6 address or CIDR block`;
    case "binary":
      return isBase64(value) ? null : `"${value}" is not base64`;
    case "string":
    case "arn":
      return null;
  }
}
