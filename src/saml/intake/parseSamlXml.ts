import { DOMParser } from '@xmldom/xmldom';
import { hasForbiddenXmlChars } from '../xmlText';
import { INTAKE_LIMITS } from './intakeLimits';
import { INTAKE_RULES, SamlIntakeError } from './samlIntakeError';
import { scanXmlStructure, type StructureLimits } from './scanXmlStructure';

export interface ParseLimits extends StructureLimits {
  maxXmlBytes: number;
}

export interface ParseOptions {
  limits?: ParseLimits;
  /**
   * Admin-supplied metadata may carry comments; protocol messages may not (comment injection in
   * identifiers, security-notes §2.1). Comments are then dropped from the document, never read.
   */
  allowComments?: boolean;
}

// The five predefined entities and character references: anything else is an entity reference
// that xmldom keeps as literal text while libxml2/xmlsec1 would expand it (a parser differential).
const UNKNOWN_ENTITY = /&(?!(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/;
const XML_DECLARATION = /^<\?xml\s+version\s*=\s*["']1\.0["'](?:\s+encoding\s*=\s*["']([A-Za-z0-9._-]+)["'])?(?:\s+standalone\s*=\s*["'](?:yes|no)["'])?\s*\?>/;

/**
 * Parses one SAML message with every hostile construct refused before or during parsing:
 * size first, then DOCTYPE (no DTDs, so no XXE and no entity expansion), unknown entities,
 * processing instructions (canonicalized as text by xml-crypto 6.3.2, security-notes §2.1),
 * comments and CDATA (identifier truncation tricks), non-UTF-8 declarations, and finally
 * a linear scan of the text that bounds depth, elements, attributes and namespace declarations
 * (scanXmlStructure: the parser's cost grows faster than the text), and only then @xmldom/xmldom
 * with every warning and error made fatal (§2.2). The tree is checked again, and every text and
 * attribute value must be characters XML 1.0 allows (a reference like &#27; parses into ESC).
 */
export function parseSamlXml(xml: string, options: ParseOptions = {}): Document {
  const limits = options.limits ?? INTAKE_LIMITS;
  if (Buffer.byteLength(xml, 'utf8') > limits.maxXmlBytes) {
    throw new SamlIntakeError(INTAKE_RULES.size, `The XML is larger than ${limits.maxXmlBytes} bytes.`, 413);
  }
  let text = xml;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const declaration = XML_DECLARATION.exec(text);
  if (declaration) {
    const encoding = declaration[1];
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
      throw new SamlIntakeError(INTAKE_RULES.encoding, `The XML declares encoding "${encoding}"; only UTF-8 is accepted.`);
    }
    text = text.slice(declaration[0].length);
  }
  if (/<!DOCTYPE/i.test(text)) throw new SamlIntakeError(INTAKE_RULES.doctype, 'The XML carries a DOCTYPE; SAML messages never need one and DTDs are refused (XXE, entity expansion).');
  if (/<!ENTITY/i.test(text)) throw new SamlIntakeError(INTAKE_RULES.entity, 'The XML declares an entity; entities are refused.');
  if (text.includes('<?')) throw new SamlIntakeError(INTAKE_RULES.processingInstruction, 'The XML carries a processing instruction; they are refused (they would change what a signature covers).');
  if (!options.allowComments && text.includes('<!--')) {
    throw new SamlIntakeError(INTAKE_RULES.comment, 'The XML carries a comment; comments are refused in SAML messages (comment injection in identifiers).');
  }
  if (text.includes('<![CDATA[')) throw new SamlIntakeError(INTAKE_RULES.cdata, 'The XML carries a CDATA section; they are refused in SAML messages.');
  if (UNKNOWN_ENTITY.test(text)) throw new SamlIntakeError(INTAKE_RULES.entity, 'The XML references an undeclared entity; only &lt; &gt; &amp; &quot; &apos; and character references are allowed.');
  scanXmlStructure(text, limits);

  const fail = (level: string) => (message: string): never => {
    throw new SamlIntakeError(INTAKE_RULES.parse, `The XML is not well-formed (${level}: ${String(message).split('\n')[0]!.slice(0, 200)}).`);
  };
  let doc: Document;
  try {
    doc = new DOMParser({
      locator: {},
      errorHandler: { warning: fail('warning'), error: fail('error'), fatalError: fail('fatal error') },
    }).parseFromString(text, 'text/xml') as unknown as Document;
  } catch (error) {
    if (error instanceof SamlIntakeError) throw error;
    throw new SamlIntakeError(INTAKE_RULES.parse, `The XML could not be parsed (${(error as Error).message.split('\n')[0]}).`);
  }
  if (!doc || !doc.documentElement) throw new SamlIntakeError(INTAKE_RULES.parse, 'The XML has no root element.');
  checkTree(doc, limits, options.allowComments === true);
  return doc;
}

/** Iterative walk (no recursion on hostile depth): node kinds, depth, counts. Drops comments when allowed. */
function checkTree(doc: Document, limits: ParseLimits, allowComments: boolean): void {
  let elements = 0;
  const stack: Array<{ node: Node; depth: number }> = [];
  for (let n = doc.firstChild; n; n = n.nextSibling) stack.push({ node: n, depth: 1 });
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    switch (node.nodeType) {
      case 1: {
        elements++;
        if (elements > limits.maxElements) throw new SamlIntakeError(INTAKE_RULES.size, `The XML has more than ${limits.maxElements} elements.`, 413);
        if (depth > limits.maxDepth) throw new SamlIntakeError(INTAKE_RULES.shape, `The XML is nested deeper than ${limits.maxDepth} levels.`);
        const el = node as Element;
        if (el.attributes.length > limits.maxAttributesPerElement) {
          throw new SamlIntakeError(INTAKE_RULES.shape, `The element ${el.tagName} has more than ${limits.maxAttributesPerElement} attributes.`);
        }
        for (let a = 0; a < el.attributes.length; a++) {
          if (hasForbiddenXmlChars(el.attributes[a]!.value)) throw forbiddenChars();
        }
        for (let c = el.firstChild; c; c = c.nextSibling) stack.push({ node: c, depth: depth + 1 });
        break;
      }
      case 3:
        if (hasForbiddenXmlChars((node as Text).data)) throw forbiddenChars();
        break;
      case 8:
        if (!allowComments) throw new SamlIntakeError(INTAKE_RULES.comment, 'The XML carries a comment.');
        node.parentNode?.removeChild(node);
        break;
      case 4:
        throw new SamlIntakeError(INTAKE_RULES.cdata, 'The XML carries a CDATA section.');
      case 5:
      case 6:
        throw new SamlIntakeError(INTAKE_RULES.entity, 'The XML carries an entity.');
      case 7:
        throw new SamlIntakeError(INTAKE_RULES.processingInstruction, 'The XML carries a processing instruction.');
      case 10:
        throw new SamlIntakeError(INTAKE_RULES.doctype, 'The XML carries a DOCTYPE.');
      default:
        throw new SamlIntakeError(INTAKE_RULES.parse, `The XML carries an unexpected node (type ${node.nodeType}).`);
    }
  }
}

function forbiddenChars(): SamlIntakeError {
  return new SamlIntakeError(INTAKE_RULES.chars, 'The XML carries a character XML 1.0 does not allow (a control character, a lone surrogate, U+FFFE/U+FFFF, NEL or LINE SEPARATOR), written as a character reference.');
}

/**
 * The same character check for a document parsed elsewhere (the ECP envelope): every text and
 * attribute value, iteratively. Throws SamlIntakeError(intake.chars).
 */
export function refuseForbiddenCharacters(root: Node): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.nodeType === 3 || node.nodeType === 4) {
      if (hasForbiddenXmlChars(node.nodeValue ?? '')) throw forbiddenChars();
    } else if (node.nodeType === 1) {
      const el = node as Element;
      for (let a = 0; a < el.attributes.length; a++) if (hasForbiddenXmlChars(el.attributes[a]!.value)) throw forbiddenChars();
    }
    for (let c = node.firstChild; c; c = c.nextSibling) stack.push(c);
  }
}

/** Child elements of `parent` in namespace `ns` named `localName` (or all element children). */
export function childElements(parent: Element, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const el = n as Element;
    if (ns !== undefined && el.namespaceURI !== ns) continue;
    if (localName !== undefined && el.localName !== localName) continue;
    out.push(el);
  }
  return out;
}

/** At most one such child; two is a malformed (or wrapped) message. */
export function optionalChild(parent: Element, ns: string, localName: string): Element | null {
  const found = childElements(parent, ns, localName);
  if (found.length > 1) throw new SamlIntakeError(INTAKE_RULES.shape, `${parent.localName} has ${found.length} ${localName} elements; at most one is allowed.`);
  return found[0] ?? null;
}

/** The text of an element that must hold only text (comments and PIs were refused at parse time). */
export function elementText(el: Element): string {
  let text = '';
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 3) throw new SamlIntakeError(INTAKE_RULES.shape, `${el.localName} must contain only text.`);
    text += (n as Text).data;
  }
  return text;
}
