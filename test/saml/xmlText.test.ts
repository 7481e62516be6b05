import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xmlAttr, xmlText, XmlValueError } from '../../src/saml/xmlText';
import { parseStrict } from './samlTestKit';

describe('xmlText: element text in C14N form', () => {
  it('escapes & < > and CR exactly as C14N does, and leaves " \' TAB LF alone', () => {
    assert.equal(xmlText(`a&b<c>d"e'f\tg\rh\ni`), `a&amp;b&lt;c&gt;d"e'f\tg&#xD;h\ni`);
  });

  it('escapes the CDATA terminator ]]> through its >', () => {
    assert.equal(xmlText('x]]>y'), 'x]]&gt;y');
  });

  it('escapes an existing entity reference instead of letting it through', () => {
    assert.equal(xmlText('&amp;'), '&amp;amp;');
  });

  it('passes non-ASCII and astral characters through unchanged (C14N output is UTF-8)', () => {
    assert.equal(xmlText('Müller 🔑 日本'), 'Müller 🔑 日本');
  });

  it('returns plain values as they are', () => {
    assert.equal(xmlText('arn:aws:iam::111122223333:role/Admin'), 'arn:aws:iam::111122223333:role/Admin');
    assert.equal(xmlText(''), '');
  });

  it('round-trips through a parser: every tricky value reads back unchanged', () => {
    const value = `&<>"'\t\r\n\r ü 😀 ]]> &amp; \u007F`;
    const doc = parseStrict(`<r>${xmlText(value)}</r>`);
    assert.equal(doc.documentElement.textContent, value);
  });
});

describe('xmlAttr: attribute values in C14N form', () => {
  it('escapes & < " TAB LF CR as C14N does, and leaves > and \' alone', () => {
    assert.equal(xmlAttr(`a&b<c>d"e'f\tg\rh\ni`), `a&amp;b&lt;c>d&quot;e'f&#x9;g&#xD;h&#xA;i`);
  });

  it('round-trips through a parser: whitespace survives attribute-value normalisation', () => {
    const value = `&<>"'\t\r\n\r\n ü 😀 ]]>`;
    const doc = parseStrict(`<r a="${xmlAttr(value)}"/>`);
    assert.equal(doc.documentElement.getAttribute('a'), value);
  });
});

describe('xmlText and xmlAttr refuse characters XML 1.0 cannot carry', () => {
  const forbidden: Array<[string, string]> = [
    ['NUL', '\u0000'],
    ['U+0001', '\u0001'],
    ['U+0008', '\u0008'],
    ['vertical tab', '\u000B'],
    ['form feed', '\u000C'],
    ['U+001F', '\u001F'],
    ['lone high surrogate', '\uD83D'],
    ['lone low surrogate', '\uDE00'],
    ['high surrogate at the end', 'abc\uD83D'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
  ];
  for (const [label, char] of forbidden) {
    it(`${label} throws XmlValueError from both`, () => {
      assert.throws(() => xmlText(`x${char}y`), XmlValueError);
      assert.throws(() => xmlAttr(`x${char}y`), XmlValueError);
    });
  }

  it('allows TAB, LF, CR, U+007F, U+FFFD and a proper surrogate pair', () => {
    for (const ok of ['\t', '\n', '\r', '\u007F', '\u0086', '\uFFFD', '\uD83D\uDE00']) {
      assert.doesNotThrow(() => xmlText(ok));
      assert.doesNotThrow(() => xmlAttr(ok));
    }
  });

  it('refuses NEL (U+0085) and LINE SEPARATOR (U+2028): xmldom-based SPs would digest them as line breaks', () => {
    for (const bad of ['\u0085', '\u2028', 'a\u2028b']) {
      assert.throws(() => xmlText(bad), XmlValueError);
      assert.throws(() => xmlAttr(bad), XmlValueError);
    }
  });
});
