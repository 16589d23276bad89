// The policy engine: validation and evaluation of AWS-style policy documents. Pure, no I/O.

export type {
  ConditionBlock,
  Decision,
  Effect,
  EvaluationRequest,
  MatchedStatement,
  NamedPolicy,
  PolicyDocument,
  PolicyKind,
  PolicyVersion,
  PrincipalBlock,
  PrincipalType,
  RequestContext,
  RequestPrincipal,
  Statement,
  ValidateOptions,
  ValidationError,
  ValidationResult,
} from "./types";
export { validatePolicyDocument, formatValidationErrors } from "./validate";
export { evaluate } from "./evaluate";
export { requestContext } from "./context";
export { actionMatches, resourceMatches, type VariableLookup } from "./match";
export { policyToJson } from "./normalize";
export { SYSTEM_POLICIES, getSystemPolicy, type SystemPolicy } from "./system";
