import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { handleQuery, QueryError, QueryParams, type ActionDef, type QueryService } from "../../src/routes/aws-query";
import { parseAuth, type ParsedSigV4 } from "../../src/core/sigv4";
import { s3Service, s3User, type Keys } from "../s3/helpers";
import { queryError, queryRequest } from "./helpers";

const params = (query: string, body: string | null = null) =>
  QueryParams.of(new URLSearchParams(query), body === null ? null : new URLSearchParams(body));

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof QueryError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "no error";
}

describe("QueryParams", () => {
  it("merges the query string and the body (the body wins) and leaves out presigning parameters", () => {
    const p = params("Action=A&UserName=q&X-Amz-Signature=s&x-amz-date=d", "UserName=b&Path=%2F");
    expect(p.get("Action")).toBe("A");
    expect(p.get("UserName")).toBe("b");
    expect(p.get("Path")).toBe("/");
    expect(p.get("X-Amz-Signature")).toBeUndefined();
    expect(p.get("x-amz-date")).toBeUndefined();
  });

  it("reads member.N lists in index order, empty when absent", () => {
    const p = params("", "Ids.member.2=b&Ids.member.10=c&Ids.member.1=a");
    expect(p.list("Ids")).toEqual(["a", "b", "c"]);
    expect(p.list("Other")).toEqual([]);
  });

  it("reads lists of structures and entry.N maps", () => {
    const p = params(
      "",
      "Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2&Tags.member.2.Value=&Attributes.entry.1.key=a&Attributes.entry.1.value=1&Attributes.entry.2.key=b&Attributes.entry.2.value=2",
    );
    expect(p.structs("Tags")).toEqual([
      { Key: "k1", Value: "v1" },
      { Key: "k2", Value: "" },
    ]);
    expect(p.map("Attributes")).toEqual({ a: "1", b: "2" });
  });

  it.each([
    ["Ids.member.0=a", (p: QueryParams) => p.list("Ids"), "InvalidParameterValue"],
    ["Ids.member.x=a", (p: QueryParams) => p.list("Ids"), "InvalidParameterValue"],
    ["Ids.member.1.Key=a", (p: QueryParams) => p.list("Ids"), "InvalidParameterValue"],
    ["Tags.member.1=a", (p: QueryParams) => p.structs("Tags"), "InvalidParameterValue"],
    ["M.entry.1.key=a", (p: QueryParams) => p.map("M"), "InvalidParameterValue"],
    ["M.entry.1.key=a&M.entry.1.value=1&M.entry.2.key=a&M.entry.2.value=2", (p: QueryParams) => p.map("M"), "InvalidParameterValue"],
    ["M.entry.1.name=a", (p: QueryParams) => p.map("M"), "InvalidParameterValue"],
    ["", (p: QueryParams) => p.require("UserName"), "MissingParameter: The request must contain the parameter UserName."],
  ])("%s → %s", (body, read, want) => {
    expect(code(() => read(params("", body)))).toContain(want);
  });

  it("takes an empty value as a value", () => {
    expect(params("", "Marker=").require("Marker")).toBe("");
  });
});

type TestAction = "Echo" | "Json" | "Nothing" | "Boom";

const TEST: QueryService<TestAction> = {
  scope: "sts",
  version: "2011-06-15",
  namespace: "https://example.test/doc/",
  actions: {
    Echo: { answer: "xml", run: async ({ params }) => ({ Names: { member: params.list("Names") }, Caller: params.require("Who") }) },
    Json: { answer: "json", run: async ({ requestId, caller }) => ({ RequestId: requestId, UserName: caller.username }) },
    Nothing: { answer: "xml", run: async () => null },
    Boom: {
      answer: "xml",
      run: async () => {
        throw new Error("secret internals");
      },
    },
  } satisfies Record<TestAction, ActionDef>,
};

let keys: Keys & { username: string };
beforeAll(async () => {
  keys = await s3User(await s3Service(), { policies: [] });
});

async function run(body: Record<string, string>): Promise<Response> {
  const request = await queryRequest(keys, body);
  const auth = parseAuth(request, new URL(request.url)) as ParsedSigV4;
  return handleQuery(request, env, createExecutionContext(), TEST, { auth, hostService: null });
}

describe("handleQuery", () => {
  it("renders an action's result under <ActionResult>, lists as member elements", async () => {
    const res = await run({ Action: "Echo", Version: "2011-06-15", Who: "me", "Names.member.1": "a", "Names.member.2": "b" });
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain(
      '<EchoResponse xmlns="https://example.test/doc/"><EchoResult><Names><member>a</member><member>b</member></Names><Caller>me</Caller></EchoResult><ResponseMetadata><RequestId>',
    );
  });

  it("leaves the Result element out for actions without a result", async () => {
    const res = await run({ Action: "Nothing", Version: "2011-06-15" });
    const id = res.headers.get("x-amzn-RequestId");
    expect(await res.text()).toContain(
      `<NothingResponse xmlns="https://example.test/doc/"><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></NothingResponse>`,
    );
  });

  it("answers JSON actions as JSON with the same request id", async () => {
    const res = await run({ Action: "Json", Version: "2011-06-15" });
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { RequestId: string; UserName: string };
    expect(body).toEqual({ RequestId: res.headers.get("x-amzn-RequestId"), UserName: keys.username });
  });

  it("answers MissingParameter from an action, and InternalFailure (Receiver, 500) without internals", async () => {
    const missing = await run({ Action: "Echo", Version: "2011-06-15" });
    expect(missing.status).toBe(400);
    expect(queryError(await missing.text())).toMatchObject({ type: "Sender", code: "MissingParameter" });
    const boom = await run({ Action: "Boom", Version: "2011-06-15" });
    expect(boom.status).toBe(500);
    const xml = await boom.text();
    expect(queryError(xml)).toMatchObject({ type: "Receiver", code: "InternalFailure", requestId: boom.headers.get("x-amzn-RequestId") });
    expect(xml).not.toContain("secret internals");
  });

  it("does not take inherited names (constructor, toString) for actions", async () => {
    for (const Action of ["constructor", "toString", "__proto__"]) {
      const res = await run({ Action, Version: "2011-06-15" });
      expect(queryError(await res.text()).code, Action).toBe("InvalidAction");
    }
  });
});
