import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { elementText, parseSamlXml } from '../../../src/saml/intake/parseSamlXml';
import { INTAKE_LIMITS, METADATA_LIMITS } from '../../../src/saml/intake/intakeLimits';
import { scanXmlStructure } from '../../../src/saml/intake/scanXmlStructure';
import { SamlIntakeError } from '../../../src/saml/intake/samlIntakeError';

function refused(xml: string, rule: string) {
  assert.throws(() => parseSamlXml(xml), (e: unknown) => e instanceof SamlIntakeError && e.rule === rule, `expected ${rule} for ${xml.slice(0, 80)}`);
}

describe('parseSamlXml: hardened parsing of SAML messages', () => {
  test('accepts a plain message, with or without an XML declaration or BOM, and reads text', () => {
    for (const prefix of ['', '<?xml version="1.0" encoding="UTF-8"?>', '\uFEFF<?xml version="1.0"?>\n']) {
      const doc = parseSamlXml(`${prefix}<r a="1"><i>x &amp; y &#65;</i></r>`);
      assert.equal(elementText(doc.documentElement.firstChild as Element), 'x & y A');
    }
  });

  test('DOCTYPE in any form (XXE, billion laughs, bare) is refused before parsing: intake.doctype', () => {
    refused('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', 'intake.doctype');
    refused('<!DOCTYPE r><r/>', 'intake.doctype');
    refused('<?xml version="1.0"?>\n<!doctype r [<!ENTITY a "b">]><r/>', 'intake.doctype');
  });

  test('undeclared entity references are refused (xmldom would keep them as text; libxml2 would expand): intake.entity', () => {
    refused('<r>&x;</r>', 'intake.entity');
    refused('<r a="&nbsp;"/>', 'intake.entity');
  });

  test('processing instructions (canonicalized as text by xml-crypto 6.3.2), comments and CDATA are refused', () => {
    refused('<r><n><?p not-an-?>admin@x</n></r>', 'intake.pi');
    refused('<r><n>admin@example.com<!---->.evil.com</n></r>', 'intake.comment');
    refused('<r><![CDATA[x]]></r>', 'intake.cdata');
  });

  test('comments are dropped (never read) when allowed, as for admin-supplied metadata', () => {
    const doc = parseSamlXml('<r><!-- note --><n>v<!-- x --></n></r>', { allowComments: true });
    assert.equal(elementText(doc.documentElement.getElementsByTagName('n')[0] as Element), 'v');
  });

  test('non-UTF-8 declarations, malformed XML (xmldom errors and warnings made fatal), two roots are refused', () => {
    refused('<?xml version="1.0" encoding="ISO-8859-1"?><r/>', 'intake.encoding');
    refused('<r><a></r>', 'intake.parse');
    refused('<r></r foo>', 'intake.parse');
    refused('<r/><r/>', 'intake.parse');
    refused('<r a="1" a="2"/>', 'intake.parse');
    refused('not xml', 'intake.parse');
  });

  test('size, depth and element count are bounded (protocol messages: 32 KB of XML)', () => {
    refused(`<r>${'x'.repeat(33 * 1024)}</r>`, 'intake.size');
    refused(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, 'intake.depth');
    refused(`<r>${'<a/>'.repeat(2500)}</r>`, 'intake.size');
  });
});

/** The reviewer's input: each level declares one more namespace, so xmldom's work grows with depth × scope. */
const nestedNamespaces = (levels: number) =>
  Array.from({ length: levels }, (_, i) => `<e xmlns:p${i}="u">`).join('') + '</e>'.repeat(levels);

describe('pre-parse scan (scanXmlStructure): hostile shapes are refused from the text, before DOMParser runs', () => {
  test('the 131 KB namespace-nesting bomb (1.1 s of parser CPU before) is refused by the scan: its rule, intake.depth, is only raised before parsing', () => {
    const bomb = nestedNamespaces(5743);
    assert.ok(bomb.length > 130_000);
    // Under the metadata limits the text is small enough to reach the scan, which refuses it at depth 33.
    assert.throws(() => parseSamlXml(bomb, { limits: METADATA_LIMITS, allowComments: true }), (e: unknown) => e instanceof SamlIntakeError && e.rule === 'intake.depth');
    assert.throws(() => scanXmlStructure(bomb, INTAKE_LIMITS), (e: unknown) => e instanceof SamlIntakeError && e.rule === 'intake.depth');
    // What fits in a 32 KB protocol message is refused the same way.
    const small = nestedNamespaces(1300);
    assert.ok(Buffer.byteLength(small) < INTAKE_LIMITS.maxXmlBytes);
    refused(small, 'intake.depth');
  });

  test('namespace declarations are counted over the whole message, attributes per element', () => {
    const flat = `<r>${Array.from({ length: 40 }, (_, i) => `<e xmlns:p${i}="u"/>`).join('')}</r>`;
    refused(flat, 'intake.namespaces');
    refused(`<r ${Array.from({ length: 40 }, (_, i) => `a${i}="v"`).join(' ')}/>`, 'intake.attributes');
    // Quoted values may hold ">" and "/", and comments (metadata) are skipped, without fooling the count.
    const doc = parseSamlXml(`<r a="x>y" b='/>'><!-- <x><y> --><n k="1"/><m>t</m></r>`, { allowComments: true });
    assert.equal(doc.documentElement.childNodes.length, 2);
  });

  test('a signed AuthnRequest-sized message with several namespace declarations passes', () => {
    const xml =
      '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1" Version="2.0">' +
      '<saml:Issuer>https://sp</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference URI="#_1"/></ds:SignedInfo></ds:Signature>' +
      '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" AllowCreate="true"/></samlp:AuthnRequest>';
    assert.equal(parseSamlXml(xml).documentElement.localName, 'AuthnRequest');
  });
});

describe('characters XML 1.0 forbids, written as character references, are refused after parsing (intake.chars)', () => {
  test('ESC, NUL, a lone surrogate, U+FFFE, NEL and LINE SEPARATOR in text or in an attribute value', () => {
    for (const ref of ['&#27;', '&#x1b;', '&#0;', '&#xD800;', '&#xFFFE;', '&#x85;', '&#x2028;', '&#1;']) {
      refused(`<r><i>x${ref}y</i></r>`, 'intake.chars');
      refused(`<r a="x${ref}y"/>`, 'intake.chars');
    }
  });

  test('tab, newline and carriage return (as references too) and ordinary Unicode stay accepted', () => {
    const doc = parseSamlXml('<r a="a&#9;b&#10;c"><i>x&#13;y\u00e9\u{1F600}</i></r>');
    assert.equal(doc.documentElement.getAttribute('a'), 'a\tb\nc');
  });
});
