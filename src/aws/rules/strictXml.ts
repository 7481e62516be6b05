import { DOMParser } from '@xmldom/xmldom';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
} as const;

const ELEMENT_NODE = 1;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;
const DOCUMENT_TYPE_NODE = 10;

/** Why a document was refused before anyone read it. */
export class XmlRefused extends Error {
  override readonly name = 'XmlRefused';
}

const DTD_MARKUP = /<!DOCTYPE|<!ENTITY/i;
const DECLARED_ENCODING = /^<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/;

/**
 * Parses XML that will be judged or trusted, with every hazard of security-notes §2.1–2.2 refused
 * instead of tolerated: a DTD (xmldom ignores it, libxml2 does not: a parser differential, xml-crypto
 * issue #524), processing instructions (xml-crypto 6.3.2 canonicalizes them as text, OneUptime
 * #2988), unknown entities (kept as literal text by default), any parser warning or error, a BOM and
 * any encoding other than UTF-8 (R5). The XML declaration is the one PI allowed.
 */
export function parseStrictXml(text: string, what: string): Document {
  if (text.charCodeAt(0) === 0xfeff) throw new XmlRefused(`${what} starts with a byte-order mark`);
  if (DTD_MARKUP.test(text)) throw new XmlRefused(`${what} contains a DOCTYPE or ENTITY declaration`);
  const encoding = DECLARED_ENCODING.exec(text)?.[1];
  if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') {
    throw new XmlRefused(`${what} declares encoding ${JSON.stringify(encoding)}; only UTF-8 is accepted`);
  }
  const fail = (message: string): never => {
    throw new XmlRefused(`${what} is not well-formed XML: ${message.replace(/\s*@#\[line:.*$/s, '').replace(/^\[xmldom \w+\]\s*/, '')}`);
  };
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(text, 'text/xml');
  } catch (error) {
    if (error instanceof XmlRefused) throw error;
    throw new XmlRefused(`${what} is not well-formed XML: ${(error as Error).message}`);
  }
  if (!doc || !doc.documentElement) throw new XmlRefused(`${what} has no root element`);
  let first = true;
  for (let node = doc.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === DOCUMENT_TYPE_NODE) throw new XmlRefused(`${what} contains a DOCTYPE`);
    if (node.nodeType === PROCESSING_INSTRUCTION_NODE && !(first && (node as ProcessingInstruction).target === 'xml')) {
      throw new XmlRefused(`${what} contains a processing instruction <?${(node as ProcessingInstruction).target} …?>`);
    }
    first = false;
  }
  const depth = maxDepth(doc.documentElement);
  if (depth > MAX_ELEMENT_DEPTH) throw new XmlRefused(`${what} nests elements ${depth} deep; at most ${MAX_ELEMENT_DEPTH} are accepted`);
  const pi = firstDescendant(doc.documentElement, (n) => n.nodeType === PROCESSING_INSTRUCTION_NODE);
  if (pi) throw new XmlRefused(`${what} contains a processing instruction <?${(pi as ProcessingInstruction).target} …?> inside <${pi.parentNode?.nodeName}>`);
  return doc;
}

/**
 * A SAML response is about ten elements deep. Canonicalizers and serializers recurse, so a document
 * nested thousands deep is a stack-exhaustion and CPU attack (security-notes §2.2); refused here.
 */
export const MAX_ELEMENT_DEPTH = 64;

function maxDepth(root: Node): number {
  let deepest = 0;
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_ELEMENT_DEPTH) return deepest;
    for (let child = node.firstChild; child; child = child.nextSibling) if (child.nodeType === ELEMENT_NODE) stack.push([child, depth + 1]);
  }
  return deepest;
}

function firstDescendant(root: Node, test: (node: Node) => boolean): Node | null {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (test(node)) return node;
    for (let child = node.lastChild; child; child = child.previousSibling) stack.push(child);
  }
  return null;
}

/**
 * The first comment that sits inside a text-only element (NameID, Issuer, Audience, AttributeValue …)
 * under `root`. Exclusive C14N drops it, so `admin@example.com<!---->.evil.com` is signed as one
 * string while naive readers see two (the Duo-style truncation); identity values must have none.
 */
export function commentInsideValue(root: Element): Element | null {
  const found = firstDescendant(root, (n) => {
    if (n.nodeType !== COMMENT_NODE || !n.parentNode || n.parentNode.nodeType !== ELEMENT_NODE) return false;
    return childElements(n.parentNode as Element).length === 0;
  });
  return found ? (found.parentNode as Element) : null;
}

export function childElements(parent: Element | Document, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== ELEMENT_NODE) continue;
    const element = node as Element;
    if (ns !== undefined && element.namespaceURI !== ns) continue;
    if (localName !== undefined && element.localName !== localName) continue;
    out.push(element);
  }
  return out;
}

/** All elements named {ns}localName anywhere under (and including) `root`. */
export function descendants(root: Element | Document, ns: string, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, localName) as unknown as ArrayLike<Element>);
}

/** An attribute's value, or null when absent (xmldom returns '' for both). */
export function attr(element: Element, name: string): string | null {
  return element.hasAttribute(name) ? element.getAttribute(name) : null;
}

/** Text content of a text-only element; null for an element holding child elements. */
export function textOf(element: Element): string {
  return element.textContent ?? '';
}
