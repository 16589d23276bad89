/**
 * The S3 plane's binding of the shared XML module (src/lib/xml.ts): S3's namespace, the elements
 * that repeat in its request bodies, and MalformedXML for a body that does not parse.
 */
import * as xml from "../../lib/xml";
import { malformedXml } from "./errors";

export { escapeXml, xmlResponse, type ParsedXml, type XmlNode } from "../../lib/xml";

export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** Elements that may repeat in the request bodies we parse: always arrays, even when single. */
const read = xml.xmlReader(["Part", "Object", "Statement", "CORSRule", "Rule", "Tag"]);

function asS3<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof xml.XmlError) throw malformedXml();
    throw e;
  }
}

export const renderXml = (root: string, body: xml.XmlNode, namespace: string | null = S3_NS) => xml.renderXml(root, body, namespace);
export const renderTextXml = (root: string, text: string, namespace: string = S3_NS) => xml.renderTextXml(root, text, namespace);

/** The content of the body's single root element, which must be `root`; MalformedXML otherwise. */
export const parseXml = (text: string, root: string) => asS3(() => read(text, root));
export const textOf = (node: xml.ParsedXml, name: string) => asS3(() => xml.textOf(node, name));
export const listOf = (node: xml.ParsedXml, name: string) => asS3(() => xml.listOf(node, name));
