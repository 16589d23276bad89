// Types of the test client derived from the generated document types (test/generated/api.d.ts), by
// path and method: the operationIds may be renamed, the paths and methods of the document will not.
import type { paths } from "../generated/api";

export type Method = "GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS";

type Segments<S extends string> = S extends `${infer H}/${infer T}` ? [H, ...Segments<T>] : [S];
type PathOf<U extends string> = U extends `http://api.test${infer R}` ? PathOf<R> : U extends `${infer P}?${string}` ? P : U;

/** Whether URL segments fit template segments (`{name}` takes any one segment). */
type Fits<U extends string[], T extends string[]> = U extends [infer UH extends string, ...infer UR extends string[]]
  ? T extends [infer TH extends string, ...infer TR extends string[]]
    ? TH extends `{${string}}`
      ? Fits<UR, TR>
      : UH extends TH
        ? Fits<UR, TR>
        : false
    : false
  : T extends []
    ? true
    : false;

/** The document's paths a method and a concrete URL (`/1.3/object-storage-2/${string}/users`) fit. */
type Fitting<M extends string, U extends string> = {
  [P in keyof paths & string]: Fits<Segments<PathOf<U>>, Segments<P>> extends true
    ? Lowercase<M> extends keyof paths[P]
      ? P
      : never
    : never;
}[keyof paths & string];

type Holes<S extends string[]> = S extends [infer H extends string, ...infer T extends string[]]
  ? H extends `{${string}}`
    ? [unknown, ...Holes<T>]
    : Holes<T>
  : [];
/** Of the fitting paths, those with the fewest `{param}` segments: `/regions` before `/{service_uuid}`, as the router decides. */
type Fewest<Ps extends string, All extends string = Ps> = Ps extends unknown
  ? [Extract<All, { [Q in All]: Holes<Segments<Ps>> extends [...Holes<Segments<Q>>, unknown, ...unknown[]] ? Q : never }[All]>] extends [
      never,
    ]
    ? Ps
    : never
  : never;

/** The document's operation for a method and a concrete URL, or never. */
export type OperationAt<M extends string, U extends string> = {
  [P in Fewest<Fitting<M, U>>]: Exclude<paths[P][Lowercase<M> & keyof paths[P]], undefined>;
}[Fewest<Fitting<M, U>>];

type SuccessJson<O> = O extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 | 202 ? (R[S] extends { content: { "application/json": infer J } } ? J : never) : never }[keyof R]
  : never;

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * What `json` holds for this call: the documented success body (with the problem fields an error
 * answer carries beside it), or `any` where the URL or method is not one operation of the document
 * (deliberately unknown paths, methods held in variables).
 */
export type ReplyJson<M extends string, U extends string> = [OperationAt<M, U>] extends [never]
  ? any
  : true extends IsUnion<OperationAt<M, U>>
    ? any
    : [SuccessJson<OperationAt<M, U>>] extends [never]
      ? any
      : SuccessJson<OperationAt<M, U>> & Omit<ErrorFields<OperationAt<M, U>>, keyof SuccessJson<OperationAt<M, U>>>;

/** The fields of the operation's error answers (problem+json), loose: a test reads them after checking the status. */
type ErrorFields<O> = O extends { responses: infer R }
  ? { [K in keyof { [S in keyof R]: R[S] extends { content: { "application/problem+json": infer J } } ? J : never }[keyof R]]: any }
  : never;
