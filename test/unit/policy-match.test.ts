// Action and resource patterns, policy variables and their escapes.
import { describe, expect, it } from "vitest";
import { actionMatches, resourceMatches } from "../../src/core/policy";

describe("actionMatches", () => {
  it.each<[string, string, boolean]>([
    ["s3:GetObject", "s3:GetObject", true],
    ["s3:getobject", "S3:GETOBJECT", true],
    ["s3:*", "s3:PutObject", true],
    ["s3:Get*", "s3:GetObjectAcl", true],
    ["s3:Get*", "s3:PutObject", false],
    ["*", "iam:CreateUser", true],
    ["s3:*Object", "s3:DeleteObject", true],
    ["s3:*Object", "s3:DeleteObjects", false],
    ["s3:?etObject", "s3:GetObject", true],
    ["s3:?etObject", "s3:GGetObject", false],
    ["iam:*", "s3:GetObject", false],
    ["s3:List*", "s3:ListBucket", true],
    ["s3:GetObject", "s3:GetObjectAcl", false],
    ["s3:*", "s3x:GetObject", false],
  ])("%s against %s is %s", (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});

describe("resourceMatches", () => {
  it.each<[string, string, boolean]>([
    ["*", "arn:aws:s3:::anything/at/all", true],
    ["arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true],
    ["arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false],
    ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", false],
    ["arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-2/x", true],
    ["arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", false],
    ["arn:aws:s3:::*", "arn:aws:s3:::b/k", true],
    ["arn:*:s3:::b", "arn:aws:s3:::b", true],
    ["arn:aws:*", "arn:aws:s3:::b/k:with:colons", true],
    ["arn:aws:s3:::b/?.txt", "arn:aws:s3:::b/a.txt", true],
    ["arn:aws:s3:::b/?.txt", "arn:aws:s3:::b/ab.txt", false],
    ["arn:aws:s3:::b/*/*.jpg", "arn:aws:s3:::b/x/y/z.jpg", true],
    ["arn:aws:s3:::b/*/*.jpg", "arn:aws:s3:::b/z.jpg", false],
    ["arn:aws:s3:::b/key", "arn:aws:s3:::b/key2", false],
    ["urn:ecs:s3:::bucket/*", "urn:ecs:s3:::bucket/k", true],
  ])("%s against %s is %s", (pattern, resource, expected) => {
    expect(resourceMatches(pattern, resource)).toBe(expected);
  });

  it("stays fast on patterns full of stars", () => {
    const started = Date.now();
    expect(resourceMatches("a*a*a*a*a*a*a*a*a*a*b", "a".repeat(20000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("policy variables in resources", () => {
  const vars: Record<string, string> = { "aws:username": "alice", "aws:userid": "AIDA1", "s3:prefix": "docs/", "x:star": "a*" };
  const lookup = (name: string) => vars[name];
  it.each<[string, string, boolean]>([
    ["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/notes.txt", true],
    ["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/bob/notes.txt", false],
    ["arn:aws:s3:::home/${AWS:UserName}/*", "arn:aws:s3:::home/alice/x", true],
    ["arn:aws:s3:::home/${aws:userid}/*", "arn:aws:s3:::home/AIDA1/x", true],
    ["arn:aws:s3:::b/${s3:prefix}*", "arn:aws:s3:::b/docs/a", true],
    ["arn:aws:s3:::home/${aws:SourceVpc}/*", "arn:aws:s3:::home//x", false],
    ["arn:aws:s3:::home/${aws:SourceVpc, 'shared'}/*", "arn:aws:s3:::home/shared/x", true],
    ["arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true],
    ["arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", false],
    ["arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", true],
    ["arn:aws:s3:::b/${?}", "arn:aws:s3:::b/x", false],
    ["arn:aws:s3:::b/${$}{x}", "arn:aws:s3:::b/${x}", true],
    ["arn:aws:s3:::b/${x:star}", "arn:aws:s3:::b/a*", true],
    ["arn:aws:s3:::b/${x:star}", "arn:aws:s3:::b/abc", false],
  ])("%s against %s is %s", (pattern, resource, expected) => {
    expect(resourceMatches(pattern, resource, lookup)).toBe(expected);
  });

  it("treats variables as literal text when no lookup is given", () => {
    expect(resourceMatches("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/${aws:username}")).toBe(true);
    expect(resourceMatches("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/alice")).toBe(false);
  });
});
