import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { elementText, parseSamlXml } from '../../../src/saml/intake/parseSamlXml';
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

  test('size, depth and element count are bounded', () => {
    refused(`<r>${'x'.repeat(200_000)}</r>`, 'intake.size');
    refused(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, 'intake.shape');
    refused(`<r>${'<a/>'.repeat(2500)}</r>`, 'intake.size');
  });
});
