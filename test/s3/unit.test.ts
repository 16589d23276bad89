// The pure pieces of the S3 layer, table-driven.
import { describe, expect, it } from "vitest";
import { checkBucketPolicy } from "../../src/core/s3/bucket-policy";
import { evaluateConditions, parseRange, type ConditionHeaders } from "../../src/core/s3/conditions";
import { bucketNameProblem, maxObjectKeyBytes } from "../../src/core/s3/rules";
import { parseEndpointHost } from "../../src/core/endpoints";
import { S3Error } from "../../src/routes/s3/errors";
import { splitPath } from "../../src/routes/s3/index";
import { resolveOperation } from "../../src/routes/s3/operations";
import { escapeXml, parseXml, renderXml } from "../../src/routes/s3/xml";

describe("parseRange", () => {
  it.each([
    ["bytes=0-9", 100, { kind: "range", offset: 0, length: 10 }],
    ["bytes=90-", 100, { kind: "range", offset: 90, length: 10 }],
    ["bytes=-10", 100, { kind: "range", offset: 90, length: 10 }],
    ["bytes=-500", 100, { kind: "range", offset: 0, length: 100 }],
    ["bytes=95-200", 100, { kind: "range", offset: 95, length: 5 }],
    ["bytes=100-", 100, { kind: "unsatisfiable" }],
    ["bytes=-0", 100, { kind: "unsatisfiable" }],
    ["bytes=0-", 0, { kind: "unsatisfiable" }],
    ["bytes=5-2", 100, { kind: "none" }],
    ["bytes=0-1,3-4", 100, { kind: "none" }],
    ["items=0-1", 100, { kind: "none" }],
    [null, 100, { kind: "none" }],
  ] as const)("%s of %d bytes", (header, size, want) => {
    expect(parseRange(header, size)).toEqual(want);
  });
});

describe("evaluateConditions", () => {
  const at = new Date("2026-01-01T12:00:00.500Z");
  const none: ConditionHeaders = { ifMatch: null, ifNoneMatch: null, ifModifiedSince: null, ifUnmodifiedSince: null };
  it.each([
    [{ ifMatch: '"abc"' }, "ok"],
    [{ ifMatch: 'W/"abc", "x"' }, "ok"],
    [{ ifMatch: "*" }, "ok"],
    [{ ifMatch: '"zzz"' }, "precondition-failed"],
    [{ ifNoneMatch: '"abc"' }, "not-modified"],
    [{ ifNoneMatch: '"zzz"' }, "ok"],
    [{ ifModifiedSince: "Thu, 01 Jan 2026 12:00:00 GMT" }, "not-modified"],
    [{ ifModifiedSince: "Thu, 01 Jan 2026 11:59:59 GMT" }, "ok"],
    [{ ifUnmodifiedSince: "Thu, 01 Jan 2026 11:59:59 GMT" }, "precondition-failed"],
    [{ ifUnmodifiedSince: "Thu, 01 Jan 2026 12:00:00 GMT" }, "ok"],
    // If-Match true makes a failing If-Unmodified-Since irrelevant, and If-None-Match false one for If-Modified-Since.
    [{ ifMatch: '"abc"', ifUnmodifiedSince: "Thu, 01 Jan 2026 11:00:00 GMT" }, "ok"],
    [{ ifNoneMatch: '"zzz"', ifModifiedSince: "Thu, 01 Jan 2026 13:00:00 GMT" }, "ok"],
    [{ ifModifiedSince: "not a date" }, "ok"],
  ] as const)("%j → %s", (given, want) => {
    expect(evaluateConditions({ ...none, ...given }, "abc", at)).toBe(want);
  });
});

describe("bucket names", () => {
  it.each(["abc", "my.bucket-1", "a".repeat(63), "0ab"])("accepts %s", (n) => expect(bucketNameProblem(n)).toBeNull());
  it.each(["ab", "a".repeat(64), "ABC", "a_b", ".ab", "ab-", "a..b", "10.0.0.1", "sthree-x", "x--x-s3"])("refuses %s", (n) =>
    expect(bucketNameProblem(n)).not.toBeNull(),
  );
  it("leaves the R2 key budget to the object key", () => {
    expect(maxObjectKeyBytes("12345678-1234-1234-1234-123456789012", "abc")).toBe(
      1024 - "s/12345678-1234-1234-1234-123456789012/abc/".length,
    );
  });
});

describe("bucket policy rules", () => {
  const doc = (st: object) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", ...st }] });
  it("accepts resources in the bucket and S3 actions", () => {
    expect(checkBucketPolicy("b1", doc({ Action: "s3:GetObject", Resource: "arn:aws:s3:::b1/*" })).ok).toBe(true);
    expect(checkBucketPolicy("b1", doc({ Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::b1"] })).ok).toBe(true);
  });
  it.each([
    [{ Action: "s3:GetObject", Resource: "arn:aws:s3:::b10/*" }, "invalid resource"],
    [{ Action: "s3:GetObject", Resource: "*" }, "invalid resource"],
    [{ Action: "ec2:Run", Resource: "arn:aws:s3:::b1/*" }, "invalid action"],
  ])("refuses %j", (st, message) => {
    const r = checkBucketPolicy("b1", doc(st));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
});

describe("hosts and paths", () => {
  it.each([
    ["abcde.localhost", { label: "abcde", bucket: null, kind: "api" }],
    ["abcde-private.localhost", { label: "abcde", bucket: null, kind: "api" }],
    ["my.bucket.abcde.localhost", { label: "abcde", bucket: "my.bucket", kind: "api" }],
    ["abcde-static.localhost", { label: "abcde", bucket: null, kind: "static" }],
    ["localhost", null],
    ["api.test", null],
  ])("%s", (host, want) => expect(parseEndpointHost(host, "localhost")).toEqual(want));

  it.each([
    ["/", null, { bucket: null, key: null }],
    ["/b", null, { bucket: "b", key: null }],
    ["/b/", null, { bucket: "b", key: null }],
    ["/b/k%20x/y", null, { bucket: "b", key: "k x/y" }],
    ["/b//lead", null, { bucket: "b", key: "/lead" }],
    ["/", "vb", { bucket: "vb", key: null }],
    ["/a%2Bb", "vb", { bucket: "vb", key: "a+b" }],
  ])("%s (host bucket %s)", (path, host, want) => expect(splitPath(path, host)).toEqual(want));

  it("refuses undecodable paths with InvalidURI", () => {
    expect(() => splitPath("/b/%E0%A4%A", null)).toThrow(S3Error);
  });
});

describe("operation routing", () => {
  const q = (s: string) => new URLSearchParams(s);
  const h = (o: Record<string, string> = {}) => new Headers(o);
  it.each([
    ["GET", null, null, "", {}, "ListBuckets"],
    ["PUT", "b", null, "", {}, "CreateBucket"],
    ["GET", "b", null, "list-type=2&prefix=", {}, "ListObjectsV2"],
    ["GET", "b", null, "delimiter=&max-keys=1000", {}, "ListObjects"],
    ["GET", "b", null, "versions", {}, "ListObjectVersions"],
    ["GET", "b", null, "uploads", {}, "ListMultipartUploads"],
    ["POST", "b", null, "delete=", {}, "DeleteObjects"],
    ["PUT", "b", null, "policy", {}, "PutBucketPolicy"],
    ["PUT", "b", "k", "x-id=PutObject", {}, "PutObject"],
    ["PUT", "b", "k", "", { "x-amz-copy-source": "/b/j" }, "CopyObject"],
    ["PUT", "b", "k", "uploadId=u&partNumber=2", {}, "UploadPart"],
    ["PUT", "b", "k", "partNumber=2&uploadId=u", { "x-amz-copy-source": "b/j" }, "UploadPartCopy"],
    ["POST", "b", "k", "uploads=", {}, "CreateMultipartUpload"],
    ["POST", "b", "k", "uploadId=u", {}, "CompleteMultipartUpload"],
    ["DELETE", "b", "k", "uploadId=u&x-id=AbortMultipartUpload", {}, "AbortMultipartUpload"],
    ["GET", "b", "k", "uploadId=u", {}, "ListParts"],
    ["GET", "b", "k", "acl", {}, "GetObjectAcl"],
    ["HEAD", "b", "k", "", {}, "HeadObject"],
  ])("%s bucket=%s key=%s ?%s → %s", (method, bucket, key, query, headers, want) => {
    expect(resolveOperation(method, bucket, key, q(query), h(headers))).toBe(want);
  });

  it.each([
    ["PUT", "b", null, "versioning", "NotImplemented"],
    ["GET", "b", "k", "tagging", "NotImplemented"],
    ["PATCH", "b", "k", "", "MethodNotAllowed"],
    ["PUT", "b", "k", "uploadId=u", "InvalidRequest"],
  ])("%s bucket=%s key=%s ?%s → %s", (method, bucket, key, query, code) => {
    try {
      resolveOperation(method, bucket, key, q(query), h());
      expect.unreachable();
    } catch (err) {
      expect((err as S3Error).code).toBe(code);
    }
  });
});

describe("XML", () => {
  it("escapes markup, quotes and control characters", () => {
    expect(escapeXml(`a&b<c>"d'\u0001`)).toBe("a&amp;b&lt;c&gt;&quot;d&apos;&#1;");
  });

  it("renders repeated elements and drops absent ones", () => {
    const xml = renderXml("R", { A: "1", B: undefined, C: [{ K: "x" }, { K: "y" }], D: true });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>1</A><C><K>x</K></C><C><K>y</K></C><D>true</D></R>',
    );
  });

  it("parses with or without declaration and namespace, and refuses DTDs and stray roots", () => {
    expect(
      parseXml(
        '<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key> k </Key></Object></Delete>',
        "Delete",
      ),
    ).toMatchObject({
      Object: [{ Key: " k " }],
    });
    expect(() => parseXml("<!DOCTYPE x [<!ENTITY a 'b'>]><Delete/>", "Delete")).toThrow(S3Error);
    expect(() => parseXml("<Other/>", "Delete")).toThrow(S3Error);
    expect(() => parseXml("<Delete></Delete><Delete></Delete>", "Delete")).toThrow(S3Error);
    expect(() => parseXml("", "Delete")).toThrow(S3Error);
  });
});
