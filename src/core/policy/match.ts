// Wildcard patterns, policy variables and ARN matching.
//
// A pattern is compiled to UTF-16 code units with two markers for the wildcards. Variable values and
// the `${*}` / `${?}` / `${$}` escapes become literal code units, so a username containing "*" never
// acts as a wildcard. Matching is the two-pointer backtracking algorithm: O(pattern × text) at worst,
// with no regular expressions that a hostile bucket policy could make explode.

const STAR = -1;
const ONE = -2;
const COLON = 58;

export type Glob = number[];

/** Looks up a policy variable by its lower-cased name; undefined when the request has no single value. */
export type VariableLookup = (lowerName: string) => string | undefined;

export interface CompileOptions {
  /** Whether `*` and `?` are wildcards (StringLike, Resource) or literal text (StringEquals). */
  wildcards: boolean;
  ignoreCase: boolean;
  /** null: `${...}` is literal text (policies without Version "2012-10-17"). */
  variables: VariableLookup | null;
}

// `${name}` or `${name, 'default'}`.
const VARIABLE = /^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$/;

function resolveVariable(inner: string, lookup: VariableLookup): string | undefined {
  if (inner === "*" || inner === "?" || inner === "$") return inner;
  const m = VARIABLE.exec(inner);
  if (!m || m[1] === undefined) return undefined;
  return lookup(m[1].toLowerCase()) ?? m[2];
}

/** Compiles a pattern; null when it names a variable that the request cannot supply. */
export function compilePattern(pattern: string, opts: CompileOptions): Glob | null {
  const out: Glob = [];
  const literal = (s: string) => {
    const t = opts.ignoreCase ? s.toLowerCase() : s;
    for (let k = 0; k < t.length; k++) out.push(t.charCodeAt(k));
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (opts.variables && c === "$" && pattern[i + 1] === "{") {
      const end = pattern.indexOf("}", i + 2);
      if (end !== -1) {
        const value = resolveVariable(pattern.slice(i + 2, end), opts.variables);
        if (value === undefined) return null;
        literal(value);
        i = end + 1;
        continue;
      }
    }
    if (opts.wildcards && c === "*") out.push(STAR);
    else if (opts.wildcards && c === "?") out.push(ONE);
    else literal(c);
    i++;
  }
  return out;
}

/** Matches text against a compiled pattern; the caller lower-cases text for ignoreCase patterns. */
export function globMatch(glob: Glob, text: string): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < text.length) {
    const g = glob[p];
    if (g !== undefined && (g === ONE || g === text.charCodeAt(s))) {
      p++;
      s++;
    } else if (g === STAR) {
      starP = p++;
      starS = s;
    } else if (starP !== -1) {
      // Let the last star swallow one more character and retry from there.
      p = starP + 1;
      s = ++starS;
    } else {
      return false;
    }
  }
  while (glob[p] === STAR) p++;
  return p === glob.length;
}

/** Action patterns: `*` and `?` wildcards, case-insensitive, no variables. */
export function actionMatches(pattern: string, action: string): boolean {
  const glob = compilePattern(pattern, { wildcards: true, ignoreCase: true, variables: null });
  return glob !== null && globMatch(glob, action.toLowerCase());
}

/**
 * Resource patterns: `*` and `?` wildcards (a `*` spans "/" and ":"), case-sensitive, with policy
 * variables. Returns null when a variable cannot be resolved, so callers can fail closed.
 */
export function matchResource(pattern: string, resource: string, variables: VariableLookup | null): boolean | null {
  const glob = compilePattern(pattern, { wildcards: true, ignoreCase: false, variables });
  return glob === null ? null : globMatch(glob, resource);
}

/** Convenience form of matchResource: an unresolvable variable does not match. */
export function resourceMatches(pattern: string, resource: string, variables: VariableLookup | null = null): boolean {
  return matchResource(pattern, resource, variables) === true;
}

/** Splits at the first five colons outside `${...}`: partition, service, region, account, resource. */
function splitArnPattern(pattern: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inVariable = false;
  for (let i = 0; i < pattern.length && parts.length < 5; i++) {
    const c = pattern[i];
    if (c === "$" && pattern[i + 1] === "{") inVariable = true;
    else if (c === "}") inVariable = false;
    else if (c === ":" && !inVariable) {
      parts.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(pattern.slice(start));
  return parts;
}

function splitArn(arn: string): string[] | null {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < arn.length && parts.length < 5; i++) {
    if (arn.charCodeAt(i) === COLON) {
      parts.push(arn.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(arn.slice(start));
  return parts.length === 6 ? parts : null;
}

/**
 * ArnEquals / ArnLike (AWS treats them alike): each of the six ARN parts is matched on its own, so a
 * wildcard never crosses into the next part. A pattern that is not a six-part ARN (such as "*") is
 * matched against the whole value. Works for any dialect's URN scheme as well as "arn:aws:...".
 * Returns undefined when the value is not an ARN (not comparable), null when a variable is unresolved.
 */
export function arnMatches(pattern: string, value: string, variables: VariableLookup | null): boolean | null | undefined {
  const opts: CompileOptions = { wildcards: true, ignoreCase: false, variables };
  const patternParts = splitArnPattern(pattern);
  if (patternParts.length < 6) {
    const glob = compilePattern(pattern, opts);
    return glob === null ? null : globMatch(glob, value);
  }
  const valueParts = splitArn(value);
  if (!valueParts) return undefined;
  let result = true;
  for (let i = 0; i < 6; i++) {
    const glob = compilePattern(patternParts[i] as string, opts);
    if (glob === null) return null;
    if (!globMatch(glob, valueParts[i] as string)) result = false;
  }
  return result;
}
