/**
 * The one XML reader and writer of the Worker (the S3 plane and the AWS Query layer): fast-xml-parser
 * with escaping that XML 1.0 can carry, no entity expansion, and a neutral error the dialects
 * turn into their own (S3's MalformedXML, the query layer's MalformedInput).
 */
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";

/** An element's content: text, a nested element map, or a list (repeated elements). */
export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlNode[] | string[];
export interface XmlNode {
  [name: string]: XmlValue;
}

/** A body that is not well-formed, or not of the expected shape. */
export class XmlError extends Error {
  constructor() {
    super("malformed XML");
    this.name = "XmlError";
  }
}

// XML 1.0 cannot carry most control characters even escaped; S3 writes them as character
// references anyway and clients that need them ask for encoding-type=url.
const ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
export const escapeXml = (s: string) => s.replace(ESCAPE, (c) => ENTITIES[c] ?? `&#${c.charCodeAt(0)};`);

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  processEntities: false,
  suppressEmptyNode: false,
  tagValueProcessor: (_name, value) => escapeXml(String(value)),
  attributeValueProcessor: (_name, value) => escapeXml(String(value)),
});

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `<root xmlns="…">…</root>` with the declaration; null/undefined children are left out. */
export function renderXml(root: string, body: XmlNode, namespace: string | null): string {
  const node: XmlNode = namespace ? { "@_xmlns": namespace, ...body } : body;
  return XML_DECLARATION + builder.build({ [root]: prune(node) });
}

/** A document whose root holds only text (S3's GetBucketLocation). */
export function renderTextXml(root: string, text: string, namespace: string): string {
  return `${XML_DECLARATION}<${root} xmlns="${namespace}">${escapeXml(text)}</${root}>`;
}

function prune(node: XmlNode): XmlNode {
  const out: XmlNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) out[k] = (v as (XmlNode | string)[]).map((x) => (typeof x === "object" ? prune(x) : x)) as XmlNode[];
    else if (typeof v === "object") out[k] = prune(v);
    else out[k] = typeof v === "string" ? v : String(v);
  }
  return out;
}

export function xmlResponse(status: number, xml: string, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/xml");
  return new Response(xml, { status, headers: h });
}

export type ParsedXml = Record<string, unknown>;

/**
 * A reader for request bodies. `repeated` names the elements that may repeat: they are always
 * arrays, even when single. Declarations and namespaces are optional; DTDs are refused.
 */
export function xmlReader(repeated: Iterable<string>): (text: string, root: string) => ParsedXml {
  const names = new Set(repeated);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    // Values may begin or end with spaces; whitespace between elements lands in "#text" and is ignored.
    trimValues: false,
    processEntities: true,
    htmlEntities: true,
    isArray: (name) => names.has(name),
  });
  /** The content of the document's single root element, which must be `root`. */
  return (text, root) => {
    const trimmed = text.trim();
    if (!trimmed || /<!DOCTYPE|<!ENTITY/i.test(trimmed) || XMLValidator.validate(trimmed) !== true) throw new XmlError();
    let doc: Record<string, unknown>;
    try {
      doc = parser.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new XmlError();
    }
    const roots = Object.keys(doc).filter((k) => k !== "?xml" && k !== "#text");
    if (roots.length !== 1 || roots[0] !== root) throw new XmlError();
    const content = doc[root];
    if (content === "" || content === undefined) return {};
    if (typeof content !== "object" || content === null || Array.isArray(content)) throw new XmlError();
    return content as ParsedXml;
  };
}

/** A child element's text; objects (nested elements) are a schema violation. */
export function textOf(node: ParsedXml, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (Array.isArray(v)) throw new XmlError();
  if (typeof v === "object" && v !== null && Object.keys(v).every((k) => k === "#text")) return "";
  throw new XmlError();
}

export function listOf(node: ParsedXml, name: string): ParsedXml[] {
  const v = node[name];
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((x) => {
    if (x === "") return {};
    if (typeof x !== "object" || x === null) throw new XmlError();
    return x as ParsedXml;
  });
}
