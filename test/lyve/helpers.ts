// Lyve IAM through @aws-sdk/client-iam, sent straight into the Worker.
import { IAMClient } from "@aws-sdk/client-iam";
import { unique } from "../helpers/api";
import { WorkerHandler, type Keys } from "../s3/helpers";

export const iam = (k: Keys, endpoint = "http://api.test") =>
  new IAMClient({ region: "eu-west-1", endpoint, credentials: k, requestHandler: new WorkerHandler(), maxAttempts: 1 });

export const email = (prefix = "u") => `${unique(prefix).toLowerCase()}@example.com`;

/** The error `p` rejects with, which must be an instance of `type`. */
export async function sdkError<E extends Error>(p: Promise<unknown>, type: abstract new (...a: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error("expected an error");
}

export const doc = (statement: object | object[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: Array.isArray(statement) ? statement : [statement] });
