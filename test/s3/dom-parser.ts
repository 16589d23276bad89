// The AWS SDK's browser build (the one the Workers test runtime resolves) parses XML responses
// with DOMParser, which workerd lacks. This is the small DOM subset it walks, over fast-xml-parser.
import { XMLParser } from "fast-xml-parser";

interface FakeNode {
  nodeType: number;
  nodeName: string;
  textContent: string;
  attributes: { name: string; value: string }[];
  childNodes: FakeNode[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

type Item = Record<string, unknown>;

function toNode(item: Item): FakeNode {
  if ("#text" in item) {
    return { nodeType: 3, nodeName: "#text", textContent: String(item["#text"]), attributes: [], childNodes: [] };
  }
  const name = Object.keys(item).find((k) => k !== ":@")!;
  const childNodes = (item[name] as Item[]).map(toNode);
  const attributes = Object.entries((item[":@"] as Record<string, unknown> | undefined) ?? {}).map(([n, v]) => ({
    name: n,
    value: String(v),
  }));
  return {
    nodeType: 1,
    nodeName: name,
    attributes,
    childNodes,
    get textContent() {
      return childNodes.map((c) => c.textContent).join("");
    },
  };
}

class FakeDomParser {
  parseFromString(xml: string) {
    const items = (parser.parse(xml) as Item[]).filter((i) => !("?xml" in i) && !("#text" in i));
    const root = toNode(items[0]!);
    return { documentElement: root, getElementsByTagName: () => [] };
  }
}

const g = globalThis as Record<string, unknown>;
g.DOMParser ??= FakeDomParser;
// A class (test matchers use `instanceof Node`), with the two constants the SDK reads.
g.Node ??= class FakeNodeClass {
  static readonly ELEMENT_NODE = 1;
  static readonly TEXT_NODE = 3;
};
