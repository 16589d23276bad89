import { GetCallerIdentityCommand, STSClient, STSServiceException } from "@aws-sdk/client-sts";
import { GetAccountSummaryCommand, IAMClient, IAMServiceException } from "@aws-sdk/client-iam";
import { AwsV4Signer } from "aws4fetch";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { s3Service, s3User, WorkerHandler, type Keys, type S3Env } from "../s3/helpers";
import { query, queryError, queryRequest } from "./helpers";

let e: S3Env;
let keys: Keys & { username: string };

beforeAll(async () => {
  e = await s3Service();
  keys = await s3User(e, { policies: [] });
});

const sts = (k: Keys, endpoint = "http://api.test") =>
  new STSClient({ region: "eu-west-1", endpoint, credentials: k, requestHandler: new WorkerHandler(), maxAttempts: 1 });

async function sdkError<E extends Error>(p: Promise<unknown>, type: abstract new (...a: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error("expected an error");
}

describe("STS GetCallerIdentity through @aws-sdk/client-sts", () => {
  it("answers the key's user: 12-digit account, arn:aws:iam ARN, user id", async () => {
    const out = await sts(keys).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toMatch(/^\d{12}$/);
    expect(out.Arn).toBe(`arn:aws:iam::${out.Account}:user/${keys.username}`);
    expect(out.UserId).toMatch(/^AIDA[0-9A-Z]+$/);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers the same on the service's endpoint host, and the account is stable per service", async () => {
    const a = await sts(keys).send(new GetCallerIdentityCommand({}));
    const b = await sts(keys, `http://${e.host}`).send(new GetCallerIdentityCommand({}));
    expect(b).toMatchObject({ Account: a.Account, Arn: a.Arn, UserId: a.UserId });
    const other = await s3User(e, { policies: [] });
    const c = await sts(other).send(new GetCallerIdentityCommand({}));
    expect(c.Account).toBe(a.Account);
    expect(c.Arn).toBe(`arn:aws:iam::${a.Account}:user/${other.username}`);
  });

  it("raises the SDK's typed errors for a wrong secret and an unknown key", async () => {
    const bad = await sdkError(
      sts({ ...keys, secretAccessKey: "x".repeat(40) }).send(new GetCallerIdentityCommand({})),
      STSServiceException,
    );
    expect(bad.name).toBe("SignatureDoesNotMatch");
    expect(bad.$metadata.httpStatusCode).toBe(403);
    expect(bad.$fault).toBe("client");
    const unknown = await sdkError(
      sts({ accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x".repeat(40) }).send(new GetCallerIdentityCommand({})),
      STSServiceException,
    );
    expect(unknown.name).toBe("InvalidClientTokenId");
  });

  it("refuses another service's key on a service's endpoint host", async () => {
    const other = await s3Service();
    const err = await sdkError(sts(keys, `http://${other.host}`).send(new GetCallerIdentityCommand({})), STSServiceException);
    expect(err.name).toBe("InvalidClientTokenId");
  });
});

describe("the Query protocol on the wire", () => {
  it("wraps the result in <ActionResponse><ActionResult> with the request id of x-amzn-RequestId", async () => {
    const res = await query(keys, { Action: "GetCallerIdentity", Version: "2011-06-15" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/xml");
    const id = res.headers.get("x-amzn-RequestId")!;
    const xml = await res.text();
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><Arn>arn:aws:iam::\d{12}:user\/[^<]+<\/Arn><UserId>AIDA[0-9A-Z]+<\/UserId><Account>\d{12}<\/Account><\/GetCallerIdentityResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetCallerIdentityResponse>$/,
    );
    expect(xml).toContain(`<RequestId>${id}</RequestId>`);
  });

  it("merges the query string and the form body, and accepts both payload-hash styles and GET", async () => {
    for (const contentSha256 of [false, true]) {
      const r = await query(keys, { Version: "2011-06-15" }, { query: { Action: "GetCallerIdentity" }, contentSha256 });
      expect(r.status, await r.clone().text()).toBe(200);
    }
    const get = await query(keys, { Action: "GetCallerIdentity", Version: "2011-06-15" }, { method: "GET" });
    expect(get.status).toBe(200);
  });

  it("serves a presigned GetCallerIdentity URL", async () => {
    const signer = new AwsV4Signer({
      method: "GET",
      url: "http://api.test/?Action=GetCallerIdentity&Version=2011-06-15",
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      service: "sts",
      region: "us-east-1",
      signQuery: true,
    });
    const s = await signer.sign();
    const res = await exports.default.fetch(new Request(s.url));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.text()).toContain("<GetCallerIdentityResult>");
  });

  it.each([
    [{ Action: "NoSuchThing", Version: "2011-06-15" }, 400, "InvalidAction", /NoSuchThing is not valid/],
    [{ Version: "2011-06-15" }, 400, "MissingAction", /Action/],
    [{ Action: "GetCallerIdentity" }, 400, "MissingParameter", /Version/],
    [{ Action: "GetCallerIdentity", Version: "2010-05-08" }, 400, "InvalidParameterValue", /2010-05-08/],
  ])("%o → %i %s in ErrorResponse", async (params, status, code, message) => {
    const res = await query(keys, params);
    expect(res.status).toBe(status);
    const xml = await res.text();
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>/,
    );
    const err = queryError(xml);
    expect(err).toMatchObject({ type: "Sender", code, requestId: res.headers.get("x-amzn-RequestId") });
    expect(err.message).toMatch(message);
  });

  it("refuses a body that differs from the signed one", async () => {
    const req = await query(keys, { Action: "GetCallerIdentity", Version: "2011-06-15" }, { contentSha256: true });
    expect(req.status).toBe(200);
    const signed = await queryRequest(keys, { Action: "GetCallerIdentity", Version: "2011-06-15" }, { contentSha256: true });
    const tampered = new Request(signed, { body: "Action=GetCallerIdentity&Version=2011-06-15&X=1" });
    const res = await exports.default.fetch(tampered);
    expect(res.status).toBe(403);
    expect(queryError(await res.text()).code).toBe("SignatureDoesNotMatch");
    const unsignedHash = await queryRequest(keys, { Action: "GetCallerIdentity", Version: "2011-06-15" });
    const res2 = await exports.default.fetch(new Request(unsignedHash, { body: "Action=GetCallerIdentity&Version=2011-06-15&X=1" }));
    expect(res2.status).toBe(403);
    expect(queryError(await res2.text()).code).toBe("SignatureDoesNotMatch");
  });

  it("refuses a signature over UNSIGNED-PAYLOAD: the body must be signed", async () => {
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const signer = new AwsV4Signer({
      method: "POST",
      url: "http://api.test/",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      body,
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      service: "sts",
      region: "us-east-1",
    });
    const s = await signer.sign();
    const res = await exports.default.fetch(new Request(s.url, { method: "POST", headers: s.headers, body }));
    expect(res.status).toBe(403);
    expect(queryError(await res.text()).code).toBe("SignatureDoesNotMatch");
  });

  it("answers a clock-skewed request as an expired signature", async () => {
    const signer = new AwsV4Signer({
      method: "POST",
      url: "http://api.test/",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      service: "sts",
      region: "us-east-1",
      datetime: "20200101T000000Z",
    });
    const s = await signer.sign();
    const res = await exports.default.fetch(
      new Request(s.url, { method: "POST", headers: s.headers, body: "Action=GetCallerIdentity&Version=2011-06-15" }),
    );
    expect(res.status).toBe(403);
    const err = queryError(await res.text());
    expect(err.code).toBe("SignatureDoesNotMatch");
    expect(err.message).toMatch(/^Signature expired: 20200101T000000Z is now earlier than/);
  });

  it("answers a malformed sts Authorization header in STS's ErrorResponse", async () => {
    const res = await exports.default.fetch(
      new Request("http://api.test/", {
        method: "POST",
        headers: {
          Authorization: "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/sts/aws4_request",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "Action=GetCallerIdentity&Version=2011-06-15",
      }),
    );
    expect(res.status).toBe(400);
    expect(queryError(await res.text()).code).toBe("IncompleteSignature");
  });
});

describe("IAM scope", () => {
  it("authenticates, then answers InvalidAction in IAM's ErrorResponse for an action it does not have", async () => {
    const res = await query(keys, { Action: "GetAccountSummary", Version: "2010-05-08" }, { service: "iam" });
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toContain('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
    expect(queryError(xml)).toMatchObject({ type: "Sender", code: "InvalidAction", requestId: res.headers.get("x-amzn-RequestId") });
    const bad = await query(
      { ...keys, secretAccessKey: "y".repeat(40) },
      { Action: "GetAccountSummary", Version: "2010-05-08" },
      { service: "iam" },
    );
    expect(bad.status).toBe(403);
    expect(queryError(await bad.text()).code).toBe("SignatureDoesNotMatch");
  });

  it("reaches @aws-sdk/client-iam as a typed InvalidAction error, never a 501", async () => {
    const iam = new IAMClient({
      region: "us-east-1",
      endpoint: "http://api.test",
      credentials: keys,
      requestHandler: new WorkerHandler(),
      maxAttempts: 1,
    });
    const err = await sdkError(iam.send(new GetAccountSummaryCommand({})), IAMServiceException);
    expect(err.name).toBe("InvalidAction");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});
