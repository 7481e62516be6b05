import { INTAKE_RULES, SamlIntakeError } from './samlIntakeError';

/** What the text of one document may hold, counted before any parser builds a tree from it. */
export interface StructureLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributesPerElement: number;
  /** xmlns and xmlns:p declarations in the whole document. */
  maxNamespaceDeclarations: number;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * One linear pass over the text, before DOMParser sees it: element depth, element count,
 * attributes per element and namespace declarations are counted from the tags themselves and the
 * message is refused at the first limit it crosses. @xmldom/xmldom spends time that grows with
 * nesting times the namespaces in scope (security-notes §2.2: recursion exhaustion, quadratic
 * namespace memory); a 131 KB chain of `<e xmlns:pN="u">` cost 1.1 s of CPU in the parser before
 * the tree walk could refuse it. Here the same text costs one scan and is refused at depth 25.
 *
 * The caller has already refused DOCTYPE, processing instructions and CDATA; comments are skipped
 * (metadata may carry them). Text that does not scan as tags is left to the parser, which refuses
 * it; the scan only ever refuses, it never decides that something is well-formed.
 */
export function scanXmlStructure(text: string, limits: StructureLimits): void {
  let depth = 0;
  let elements = 0;
  let namespaces = 0;
  let at = text.indexOf('<');
  while (at !== -1) {
    const next = text.charCodeAt(at + 1);
    if (next === 0x2f /* / */) {
      depth--;
      const close = text.indexOf('>', at);
      if (close === -1) return;
      at = text.indexOf('<', close);
      continue;
    }
    if (next === 0x21 /* ! */) {
      // A comment (metadata only); anything else starting "<!" was refused before the scan.
      const close = text.startsWith('<!--', at) ? text.indexOf('-->', at + 4) : text.indexOf('>', at);
      if (close === -1) return;
      at = text.indexOf('<', close);
      continue;
    }
    if (next === 0x3f /* ? */) {
      const close = text.indexOf('?>', at);
      if (close === -1) return;
      at = text.indexOf('<', close);
      continue;
    }
    // A start tag: the name, then attributes up to ">" or "/>". Quoted values may hold ">".
    elements++;
    if (elements > limits.maxElements) throw new SamlIntakeError(INTAKE_RULES.size, `The XML has more than ${limits.maxElements} elements.`, 413);
    if (depth + 1 > limits.maxDepth) {
      throw new SamlIntakeError(INTAKE_RULES.depth, `The XML is nested deeper than ${limits.maxDepth} levels; refused before parsing.`);
    }
    let i = at + 1;
    while (i < text.length && !isSpace(text.charCodeAt(i)) && text[i] !== '>' && text[i] !== '/') i++;
    let attributes = 0;
    let selfClosing = false;
    for (;;) {
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (i >= text.length) return;
      if (text[i] === '>') break;
      if (text[i] === '/') {
        selfClosing = true;
        break;
      }
      const nameStart = i;
      while (i < text.length && !isSpace(text.charCodeAt(i)) && text[i] !== '=' && text[i] !== '>' && text[i] !== '/') i++;
      const name = text.slice(nameStart, i);
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (text[i] !== '=') return; // not well-formed: the parser says so
      i++;
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      const quote = text[i];
      if (quote !== '"' && quote !== "'") return;
      const end = text.indexOf(quote, i + 1);
      if (end === -1) return;
      i = end + 1;
      attributes++;
      if (attributes > limits.maxAttributesPerElement) {
        throw new SamlIntakeError(INTAKE_RULES.attributes, `An element has more than ${limits.maxAttributesPerElement} attributes; refused before parsing.`);
      }
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        namespaces++;
        if (namespaces > limits.maxNamespaceDeclarations) {
          throw new SamlIntakeError(INTAKE_RULES.namespaces, `The XML declares more than ${limits.maxNamespaceDeclarations} namespaces; refused before parsing.`);
        }
      }
    }
    if (!selfClosing) depth++;
    at = text.indexOf('<', i);
  }
}
