// Condition operators, one statement at a time: an Allow statement with the condition either
// grants (the condition holds) or leaves the request implicitly denied.
import { describe, expect, it } from "vitest";
import { evaluate, validatePolicyDocument, type RequestContext } from "../../src/core/policy";

const alice = {
  arn: "arn:aws:iam::123456789012:user/alice",
  username: "alice",
  userid: "AIDAALICE",
  type: "user" as const,
  accountId: "123456789012",
};

function holds(condition: Record<string, unknown>, context: RequestContext): boolean {
  const v = validatePolicyDocument({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: condition }],
  });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const d = evaluate({
    principal: alice,
    action: "s3:GetObject",
    resource: "arn:aws:s3:::b/k",
    context,
    identityPolicies: [{ name: "p", source: "user:alice/inline:p", document: v.policy }],
  });
  return d.decision === "allowed";
}

type Row = [string, Record<string, unknown>, RequestContext, boolean];

const strings: Row[] = [
  ["StringEquals matches", { StringEquals: { "s3:prefix": "home/" } }, { "s3:prefix": "home/" }, true],
  ["StringEquals is case-sensitive", { StringEquals: { "s3:prefix": "home/" } }, { "s3:prefix": "Home/" }, false],
  ["StringEquals values are ORed", { StringEquals: { "s3:prefix": ["a/", "b/"] } }, { "s3:prefix": "b/" }, true],
  ["StringEquals treats * literally", { StringEquals: { "s3:prefix": "home/*" } }, { "s3:prefix": "home/x" }, false],
  ["StringEquals matches a literal *", { StringEquals: { "s3:prefix": "home/*" } }, { "s3:prefix": "home/*" }, true],
  ["condition key names are case-insensitive", { StringEquals: { "S3:PREFIX": "x" } }, { "s3:prefix": "x" }, true],
  ["context key names are case-insensitive", { StringEquals: { "s3:prefix": "x" } }, { "S3:Prefix": "x" }, true],
  ["StringEquals on a missing key is false", { StringEquals: { "s3:prefix": "x" } }, {}, false],
  ["StringEquals on an undefined key is false", { StringEquals: { "s3:prefix": "x" } }, { "s3:prefix": undefined }, false],
  ["StringNotEquals with another value", { StringNotEquals: { "s3:prefix": "secret/" } }, { "s3:prefix": "public/" }, true],
  ["StringNotEquals with the same value", { StringNotEquals: { "s3:prefix": "secret/" } }, { "s3:prefix": "secret/" }, false],
  ["StringNotEquals against any listed value", { StringNotEquals: { "s3:prefix": ["a", "b"] } }, { "s3:prefix": "b" }, false],
  ["StringNotEquals on a missing key never grants", { StringNotEquals: { "s3:prefix": "secret/" } }, {}, false],
  ["StringEqualsIgnoreCase ignores case", { StringEqualsIgnoreCase: { "s3:prefix": "HOME/" } }, { "s3:prefix": "home/" }, true],
  ["StringEqualsIgnoreCase still compares", { StringEqualsIgnoreCase: { "s3:prefix": "HOME/" } }, { "s3:prefix": "away/" }, false],
  ["StringNotEqualsIgnoreCase with same text", { StringNotEqualsIgnoreCase: { "s3:prefix": "HOME/" } }, { "s3:prefix": "home/" }, false],
  ["StringNotEqualsIgnoreCase with other text", { StringNotEqualsIgnoreCase: { "s3:prefix": "HOME/" } }, { "s3:prefix": "work/" }, true],
  ["StringLike * spans slashes", { StringLike: { "s3:prefix": "home/*" } }, { "s3:prefix": "home/a/b/c" }, true],
  ["StringLike ? is one character", { StringLike: { "s3:prefix": "home/?" } }, { "s3:prefix": "home/a" }, true],
  ["StringLike ? is not two characters", { StringLike: { "s3:prefix": "home/?" } }, { "s3:prefix": "home/ab" }, false],
  ["StringLike is case-sensitive", { StringLike: { "s3:prefix": "home/*" } }, { "s3:prefix": "HOME/x" }, false],
  ["StringNotLike outside the pattern", { StringNotLike: { "s3:prefix": "home/*" } }, { "s3:prefix": "other/" }, true],
  ["StringNotLike inside the pattern", { StringNotLike: { "s3:prefix": "home/*" } }, { "s3:prefix": "home/x" }, false],
  ["StringLike ${*} is a literal star", { StringLike: { "s3:prefix": "a${*}" } }, { "s3:prefix": "a*" }, true],
  ["StringLike ${*} is not a wildcard", { StringLike: { "s3:prefix": "a${*}" } }, { "s3:prefix": "ab" }, false],
  ["StringEquals with ${aws:username}", { StringEquals: { "s3:prefix": "home/${aws:username}/" } }, { "s3:prefix": "home/alice/" }, true],
  [
    "StringEquals with ${aws:username}, other user",
    { StringEquals: { "s3:prefix": "home/${aws:username}/" } },
    { "s3:prefix": "home/bob/" },
    false,
  ],
  ["StringLike with ${aws:userid}", { StringLike: { "s3:prefix": "${aws:userid}/*" } }, { "s3:prefix": "AIDAALICE/x" }, true],
  ["unresolvable variable does not match", { StringEquals: { "s3:prefix": "${aws:SourceVpc}" } }, { "s3:prefix": "" }, false],
  ["variable default value", { StringEquals: { "s3:prefix": "${aws:SourceVpc, 'none'}" } }, { "s3:prefix": "none" }, true],
  ["number values compare as strings", { StringEquals: { "s3:max-keys": 10 } }, { "s3:max-keys": "10" }, true],
];

const numbers: Row[] = [
  ["NumericEquals equal", { NumericEquals: { "s3:max-keys": "10" } }, { "s3:max-keys": "10" }, true],
  ["NumericEquals compares numbers, not text", { NumericEquals: { "s3:max-keys": "10" } }, { "s3:max-keys": "10.0" }, true],
  ["NumericEquals different", { NumericEquals: { "s3:max-keys": "10" } }, { "s3:max-keys": "11" }, false],
  ["NumericNotEquals different", { NumericNotEquals: { "s3:max-keys": "10" } }, { "s3:max-keys": "11" }, true],
  ["NumericNotEquals equal", { NumericNotEquals: { "s3:max-keys": "10" } }, { "s3:max-keys": "10" }, false],
  ["NumericLessThan below", { NumericLessThan: { "s3:max-keys": "100" } }, { "s3:max-keys": "99" }, true],
  ["NumericLessThan equal", { NumericLessThan: { "s3:max-keys": "100" } }, { "s3:max-keys": "100" }, false],
  ["NumericLessThanEquals equal", { NumericLessThanEquals: { "s3:max-keys": 1000 } }, { "s3:max-keys": "1000" }, true],
  ["NumericLessThanEquals above", { NumericLessThanEquals: { "s3:max-keys": 1000 } }, { "s3:max-keys": "1001" }, false],
  ["NumericGreaterThan above", { NumericGreaterThan: { "s3:max-keys": "5" } }, { "s3:max-keys": "6" }, true],
  ["NumericGreaterThan equal", { NumericGreaterThan: { "s3:max-keys": "5" } }, { "s3:max-keys": "5" }, false],
  ["NumericGreaterThanEquals equal", { NumericGreaterThanEquals: { "s3:max-keys": "5" } }, { "s3:max-keys": "5" }, true],
  ["NumericGreaterThanEquals below", { NumericGreaterThanEquals: { "s3:max-keys": "5" } }, { "s3:max-keys": "4" }, false],
  ["Numeric with decimals", { NumericLessThan: { "x:ratio": "0.5" } }, { "x:ratio": "0.25" }, true],
  ["Numeric on a non-number is false", { NumericLessThan: { "s3:max-keys": "100" } }, { "s3:max-keys": "abc" }, false],
  ["NumericNotEquals on a non-number never grants", { NumericNotEquals: { "s3:max-keys": "10" } }, { "s3:max-keys": "abc" }, false],
  ["Numeric on a missing key is false", { NumericGreaterThan: { "s3:max-keys": "0" } }, {}, false],
];

const dates: Row[] = [
  [
    "DateGreaterThan after",
    { DateGreaterThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2024-06-01T12:00:00Z" },
    true,
  ],
  [
    "DateLessThan after",
    { DateLessThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2024-06-01T12:00:00Z" },
    false,
  ],
  [
    "DateLessThan before",
    { DateLessThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2023-12-31T23:59:59Z" },
    true,
  ],
  [
    "DateEquals ISO against epoch seconds",
    { DateEquals: { "aws:EpochTime": "2024-01-01T00:00:00Z" } },
    { "aws:EpochTime": "1704067200" },
    true,
  ],
  [
    "DateNotEquals same instant",
    { DateNotEquals: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2024-01-01T00:00:00Z" },
    false,
  ],
  [
    "DateNotEquals another instant",
    { DateNotEquals: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2024-01-02T00:00:00Z" },
    true,
  ],
  [
    "DateLessThanEquals same instant",
    { DateLessThanEquals: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2024-01-01T00:00:00Z" },
    true,
  ],
  [
    "DateGreaterThanEquals epoch policy value",
    { DateGreaterThanEquals: { "aws:CurrentTime": "1704067200" } },
    { "aws:CurrentTime": "2023-12-31T23:59:59Z" },
    false,
  ],
  [
    "DateGreaterThanEquals same instant",
    { DateGreaterThanEquals: { "aws:CurrentTime": 1704067200 } },
    { "aws:CurrentTime": "2024-01-01T00:00:00Z" },
    true,
  ],
  [
    "Date with a zone offset",
    { DateEquals: { "aws:CurrentTime": "2024-01-01T01:00:00+01:00" } },
    { "aws:CurrentTime": "2024-01-01T00:00:00Z" },
    true,
  ],
  [
    "Date-only value is midnight UTC",
    { DateLessThan: { "aws:CurrentTime": "2024-01-02" } },
    { "aws:CurrentTime": "2024-01-01T23:59:59Z" },
    true,
  ],
  [
    "Date with fractional seconds",
    { DateGreaterThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2024-01-01T00:00:00.500Z" },
    true,
  ],
  [
    "Date in x-amz-date form",
    { DateEquals: { "aws:CurrentTime": "2013-07-28T00:00:00Z" } },
    { "aws:CurrentTime": "20130728T000000Z" },
    true,
  ],
  [
    "Date on an unparseable value is false",
    { DateGreaterThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "tomorrow" },
    false,
  ],
];

const bools: Row[] = [
  ["Bool true", { Bool: { "aws:SecureTransport": "true" } }, { "aws:SecureTransport": "true" }, true],
  ["Bool JSON boolean against false", { Bool: { "aws:SecureTransport": true } }, { "aws:SecureTransport": "false" }, false],
  ["Bool is case-insensitive", { Bool: { "aws:SecureTransport": "false" } }, { "aws:SecureTransport": "FALSE" }, true],
  ["Bool on a missing key is false", { Bool: { "aws:SecureTransport": "true" } }, {}, false],
  ["BinaryEquals same bytes", { BinaryEquals: { "x:blob": "QmluYXJ5VmFsdWU=" } }, { "x:blob": "QmluYXJ5VmFsdWU=" }, true],
  ["BinaryEquals other bytes", { BinaryEquals: { "x:blob": "QmluYXJ5VmFsdWU=" } }, { "x:blob": "T3RoZXI=" }, false],
];

const ips: Row[] = [
  ["IpAddress inside an IPv4 CIDR", { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } }, { "aws:SourceIp": "203.0.113.7" }, true],
  ["IpAddress outside an IPv4 CIDR", { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } }, { "aws:SourceIp": "203.0.114.1" }, false],
  ["IpAddress exact IPv4 address", { IpAddress: { "aws:SourceIp": "203.0.113.7" } }, { "aws:SourceIp": "203.0.113.7" }, true],
  ["IpAddress exact IPv4, other address", { IpAddress: { "aws:SourceIp": "203.0.113.7" } }, { "aws:SourceIp": "203.0.113.8" }, false],
  ["IpAddress /0 matches every IPv4 address", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, { "aws:SourceIp": "198.51.100.1" }, true],
  ["IpAddress /23 upper edge", { IpAddress: { "aws:SourceIp": "192.168.0.0/23" } }, { "aws:SourceIp": "192.168.1.255" }, true],
  ["IpAddress /23 just outside", { IpAddress: { "aws:SourceIp": "192.168.0.0/23" } }, { "aws:SourceIp": "192.168.2.0" }, false],
  ["IpAddress inside an IPv6 CIDR", { IpAddress: { "aws:SourceIp": "2001:db8::/32" } }, { "aws:SourceIp": "2001:db8:1::1" }, true],
  ["IpAddress outside an IPv6 CIDR", { IpAddress: { "aws:SourceIp": "2001:db8::/32" } }, { "aws:SourceIp": "2001:db9::1" }, false],
  [
    "IpAddress IPv6 full form against compressed",
    { IpAddress: { "aws:SourceIp": "2001:0db8:0000:0000:0000:0000:0000:0001" } },
    { "aws:SourceIp": "2001:db8::1" },
    true,
  ],
  [
    "IpAddress IPv6 /63 uneven boundary",
    { IpAddress: { "aws:SourceIp": "2001:db8:0:12::/63" } },
    { "aws:SourceIp": "2001:db8:0:13:ffff::1" },
    true,
  ],
  ["IpAddress IPv4 policy never matches IPv6", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, { "aws:SourceIp": "2001:db8::1" }, false],
  [
    "IpAddress IPv4-mapped IPv6 source",
    { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
    { "aws:SourceIp": "::ffff:203.0.113.9" },
    true,
  ],
  [
    "IpAddress list of CIDRs is ORed",
    { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"] } },
    { "aws:SourceIp": "2001:db8::5" },
    true,
  ],
  ["IpAddress on an invalid source", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, { "aws:SourceIp": "not-an-ip" }, false],
  ["NotIpAddress outside", { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "192.168.1.1" }, true],
  ["NotIpAddress inside", { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "10.1.2.3" }, false],
  ["NotIpAddress on a missing key never grants", { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, {}, false],
  ["NotIpAddress IPv6 outside", { NotIpAddress: { "aws:SourceIp": "2001:db8::/32" } }, { "aws:SourceIp": "::1" }, true],
];

const arns: Row[] = [
  [
    "ArnEquals same ARN",
    { ArnEquals: { "aws:SourceArn": "arn:aws:iam::123456789012:user/alice" } },
    { "aws:SourceArn": "arn:aws:iam::123456789012:user/alice" },
    true,
  ],
  [
    "ArnEquals other ARN",
    { ArnEquals: { "aws:SourceArn": "arn:aws:iam::123456789012:user/alice" } },
    { "aws:SourceArn": "arn:aws:iam::123456789012:user/bob" },
    false,
  ],
  [
    "ArnLike wildcard in the resource part",
    { ArnLike: { "aws:SourceArn": "arn:aws:iam::123456789012:user/*" } },
    { "aws:SourceArn": "arn:aws:iam::123456789012:user/alice" },
    true,
  ],
  [
    "ArnLike wildcard account",
    { ArnLike: { "aws:SourceArn": "arn:aws:iam::*:user/alice" } },
    { "aws:SourceArn": "arn:aws:iam::999999999999:user/alice" },
    true,
  ],
  [
    "ArnLike wildcard stays within its ARN part",
    { ArnLike: { "aws:SourceArn": "arn:aws:*:::bucket" } },
    { "aws:SourceArn": "arn:aws:s3:eu:123:bucket" },
    false,
  ],
  ["ArnLike on a value that is not an ARN", { ArnLike: { "aws:SourceArn": "arn:aws:iam::*:user/*" } }, { "aws:SourceArn": "alice" }, false],
  [
    "ArnLike with a urn:ecs name",
    { ArnLike: { "aws:SourceArn": "urn:ecs:iam::ns1:user/*" } },
    { "aws:SourceArn": "urn:ecs:iam::ns1:user/alice" },
    true,
  ],
  ["ArnNotEquals other ARN", { ArnNotEquals: { "aws:SourceArn": "arn:aws:s3:::a" } }, { "aws:SourceArn": "arn:aws:s3:::b" }, true],
  ["ArnNotEquals same ARN", { ArnNotEquals: { "aws:SourceArn": "arn:aws:s3:::a" } }, { "aws:SourceArn": "arn:aws:s3:::a" }, false],
  [
    "ArnNotLike outside the pattern",
    { ArnNotLike: { "aws:SourceArn": "arn:aws:iam::*:role/*" } },
    { "aws:SourceArn": "arn:aws:iam::1:user/x" },
    true,
  ],
  [
    "ArnNotLike inside the pattern",
    { ArnNotLike: { "aws:SourceArn": "arn:aws:iam::*:role/*" } },
    { "aws:SourceArn": "arn:aws:iam::1:role/x" },
    false,
  ],
  [
    "ArnLike with a variable against aws:PrincipalArn",
    { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}" } },
    {},
    true,
  ],
];

const nulls: Row[] = [
  ["Null true on a missing key", { Null: { "aws:TokenIssueTime": "true" } }, {}, true],
  ["Null true on a present key", { Null: { "aws:TokenIssueTime": "true" } }, { "aws:TokenIssueTime": "2024-01-01T00:00:00Z" }, false],
  ["Null false on a present key", { Null: { "aws:TokenIssueTime": "false" } }, { "aws:TokenIssueTime": "2024-01-01T00:00:00Z" }, true],
  ["Null false on a missing key", { Null: { "aws:TokenIssueTime": "false" } }, {}, false],
  ["Null with a JSON boolean", { Null: { "aws:TokenIssueTime": true } }, {}, true],
  ["Null treats an empty list as missing", { Null: { "aws:TagKeys": "true" } }, { "aws:TagKeys": [] }, true],
];

const ifExists: Row[] = [
  ["StringEqualsIfExists on a missing key", { StringEqualsIfExists: { "s3:prefix": "a" } }, {}, true],
  ["StringEqualsIfExists present and different", { StringEqualsIfExists: { "s3:prefix": "a" } }, { "s3:prefix": "b" }, false],
  ["StringEqualsIfExists present and equal", { StringEqualsIfExists: { "s3:prefix": "a" } }, { "s3:prefix": "a" }, true],
  ["StringNotEqualsIfExists on a missing key", { StringNotEqualsIfExists: { "s3:prefix": "a" } }, {}, true],
  ["NumericLessThanIfExists on a missing key", { NumericLessThanIfExists: { "s3:max-keys": "10" } }, {}, true],
  ["NumericLessThanIfExists present and too large", { NumericLessThanIfExists: { "s3:max-keys": "10" } }, { "s3:max-keys": "11" }, false],
  ["IpAddressIfExists present and outside", { IpAddressIfExists: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "11.0.0.1" }, false],
  ["BoolIfExists on a missing key", { BoolIfExists: { "aws:SecureTransport": "true" } }, {}, true],
  ["DateLessThanIfExists on a missing key", { DateLessThanIfExists: { "aws:CurrentTime": "2020-01-01" } }, {}, true],
  [
    "ArnLikeIfExists present and outside",
    { ArnLikeIfExists: { "aws:SourceArn": "arn:aws:s3:::a*" } },
    { "aws:SourceArn": "arn:aws:s3:::b" },
    false,
  ],
];

const sets: Row[] = [
  [
    "ForAnyValue:StringEquals overlapping sets",
    { "ForAnyValue:StringEquals": { "aws:TagKeys": ["env", "team"] } },
    { "aws:TagKeys": ["team", "cost"] },
    true,
  ],
  [
    "ForAnyValue:StringEquals disjoint sets",
    { "ForAnyValue:StringEquals": { "aws:TagKeys": ["env", "team"] } },
    { "aws:TagKeys": ["cost"] },
    false,
  ],
  ["ForAnyValue on a missing key is false", { "ForAnyValue:StringEquals": { "aws:TagKeys": ["env"] } }, {}, false],
  ["ForAnyValue:StringLike", { "ForAnyValue:StringLike": { "aws:TagKeys": "env*" } }, { "aws:TagKeys": ["cost", "environment"] }, true],
  [
    "ForAnyValue:StringNotEquals when some value differs",
    { "ForAnyValue:StringNotEquals": { "aws:TagKeys": "secret" } },
    { "aws:TagKeys": ["secret", "a"] },
    true,
  ],
  ["ForAnyValue:StringEqualsIfExists on a missing key", { "ForAnyValue:StringEqualsIfExists": { "aws:TagKeys": "env" } }, {}, true],
  [
    "ForAllValues:StringEquals subset",
    { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team"] } },
    { "aws:TagKeys": ["env", "team"] },
    true,
  ],
  [
    "ForAllValues:StringEquals one value outside",
    { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team"] } },
    { "aws:TagKeys": ["env", "cost"] },
    false,
  ],
  ["ForAllValues on a missing key is true (AWS)", { "ForAllValues:StringEquals": { "aws:TagKeys": ["env"] } }, {}, true],
  ["ForAllValues on an empty list is true (AWS)", { "ForAllValues:StringEquals": { "aws:TagKeys": ["env"] } }, { "aws:TagKeys": [] }, true],
  [
    "ForAllValues:StringNotEquals none forbidden",
    { "ForAllValues:StringNotEquals": { "aws:TagKeys": "secret" } },
    { "aws:TagKeys": ["a", "b"] },
    true,
  ],
  [
    "ForAllValues:StringNotEquals one forbidden",
    { "ForAllValues:StringNotEquals": { "aws:TagKeys": "secret" } },
    { "aws:TagKeys": ["a", "secret"] },
    false,
  ],
  [
    "ForAllValues:StringEqualsIgnoreCase",
    { "ForAllValues:StringEqualsIgnoreCase": { "aws:TagKeys": ["ENV"] } },
    { "aws:TagKeys": ["env", "Env"] },
    true,
  ],
  ["ForAllValues:NumericLessThan", { "ForAllValues:NumericLessThan": { "x:sizes": "100" } }, { "x:sizes": ["1", "99"] }, true],
  ["ForAnyValue:IpAddress", { "ForAnyValue:IpAddress": { "x:hops": "10.0.0.0/8" } }, { "x:hops": ["192.0.2.1", "10.9.9.9"] }, true],
  ["no qualifier, multi-valued key: any value matches", { StringEquals: { "aws:TagKeys": "a" } }, { "aws:TagKeys": ["x", "a"] }, true],
  ["no qualifier, negated: no value may match", { StringNotEquals: { "aws:TagKeys": "a" } }, { "aws:TagKeys": ["x", "a"] }, false],
];

const logic: Row[] = [
  [
    "two keys under one operator are ANDed (one fails)",
    { StringEquals: { "s3:prefix": "a", "s3:delimiter": "/" } },
    { "s3:prefix": "a", "s3:delimiter": "|" },
    false,
  ],
  [
    "two keys under one operator are ANDed (both hold)",
    { StringEquals: { "s3:prefix": "a", "s3:delimiter": "/" } },
    { "s3:prefix": "a", "s3:delimiter": "/" },
    true,
  ],
  [
    "two operators are ANDed (both hold)",
    { StringLike: { "s3:prefix": "a*" }, NumericLessThanEquals: { "s3:max-keys": "100" } },
    { "s3:prefix": "abc", "s3:max-keys": "10" },
    true,
  ],
  [
    "two operators are ANDed (one fails)",
    { StringLike: { "s3:prefix": "a*" }, NumericLessThanEquals: { "s3:max-keys": "100" } },
    { "s3:prefix": "abc", "s3:max-keys": "1000" },
    false,
  ],
  ["an empty Condition block always holds", {}, {}, true],
];

describe.each([
  ["string operators", strings],
  ["numeric operators", numbers],
  ["date operators", dates],
  ["Bool and BinaryEquals", bools],
  ["IpAddress and NotIpAddress", ips],
  ["ARN operators", arns],
  ["Null", nulls],
  ["IfExists", ifExists],
  ["ForAnyValue / ForAllValues", sets],
  ["combining conditions", logic],
])("%s", (_group, rows) => {
  it.each(rows)("%s", (_name, condition, context, expected) => {
    expect(holds(condition, context)).toBe(expected);
  });
});
