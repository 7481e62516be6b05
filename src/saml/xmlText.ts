/**
 * Escaping for XML we emit as text. The output is already in Exclusive XML Canonicalization form
 * (W3C xml-exc-c14n, which reuses C14N 1.0's escaping rules), so the bytes we digest are the bytes we send.
 */

export class XmlValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlValueError';
  }
}

// XML 1.0 §2.2 Char production: anything outside it cannot be sent at all. Also refused: NEL (U+0085)
// and LINE SEPARATOR (U+2028), which XML 1.1-minded parsers (xmldom, so xml-crypto) turn into line
// breaks: the SP would digest different text than we signed, a parser differential we never emit.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u0085\u2028\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const TEXT_SPECIAL = /[&<>\r]/;
const ATTR_SPECIAL = /[&<"\t\n\r]/;

/**
 * Whether a value holds a character Sesame never emits (XML 1.0 §2.2, plus NEL and LS). Intake uses
 * it on every parsed text and attribute value: a character reference such as &#27; or &#0; parses
 * into a control character that would otherwise reach the audit log, a terminal or a signed reply.
 */
export function hasForbiddenXmlChars(value: string): boolean {
  return FORBIDDEN_CHARS.test(value);
}

function reject(value: string): void {
  if (FORBIDDEN_CHARS.test(value)) throw new XmlValueError('value contains characters that XML 1.0 cannot carry');
}

/** Character data, C14N form: & < > and CR escaped. */
export function xmlText(value: string): string {
  reject(value);
  if (!TEXT_SPECIAL.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** Attribute value, C14N form: & < " TAB LF CR escaped. */
export function xmlAttr(value: string): string {
  reject(value);
  if (!ATTR_SPECIAL.test(value)) return value;
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}
