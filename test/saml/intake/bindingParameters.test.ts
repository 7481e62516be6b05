import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { encodeQueryValue, readSamlParameters } from '../../../src/saml/intake/bindingParameters';
import { decodePostMessage, decodeRedirectMessage } from '../../../src/saml/intake/decodeSamlMessage';
import { SamlIntakeError } from '../../../src/saml/intake/samlIntakeError';

const isRule = (rule: string) => (e: unknown) => e instanceof SamlIntakeError && e.rule === rule;

describe('readSamlParameters: parameter names exactly as sent (security-notes §2.5)', () => {
  test('keeps raw bytes for the signature and decoded values for use; ignores unrelated parameters', () => {
    const params = readSamlParameters('SAMLRequest=a%2Bb%3D&RelayState=x+y%26z&SigAlg=s&Signature=t&extra=1');
    assert.deepEqual(params.SAMLRequest, { raw: 'a%2Bb%3D', value: 'a+b=' });
    assert.deepEqual(params.RelayState, { raw: 'x+y%26z', value: 'x y&z' });
    assert.equal(params.SigAlg?.value, 's');
  });

  test('a repeated SAML parameter, a percent-encoded name, a case variant or bad percent-encoding is refused', () => {
    assert.throws(() => readSamlParameters('SAMLRequest=a&SAMLRequest=b'), isRule('intake.params'));
    assert.throws(() => readSamlParameters('%53AMLRequest=a'), isRule('intake.params'));
    assert.throws(() => readSamlParameters('SAMLRequest=a&samlrequest=b'), isRule('intake.params'));
    assert.throws(() => readSamlParameters('SAMLRequest[a]=b'), isRule('intake.params'));
    assert.throws(() => readSamlParameters('SAMLRequest=%E0%A4%A'), isRule('intake.params'));
  });

  test('encodeQueryValue encodes like quote_plus / urlencode (what python-saml, pysaml2 and PHP re-encode to)', () => {
    assert.equal(encodeQueryValue("a b+c/d=e!'()*~_.-"), 'a+b%2Bc%2Fd%3De%21%27%28%29%2A~_.-');
    assert.equal(encodeQueryValue('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'), 'http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256');
  });
});

describe('decoding the bindings', () => {
  test('Redirect: DEFLATE + base64, inflation capped (a DEFLATE bomb stops at the cap)', () => {
    const xml = '<r>hello</r>';
    assert.equal(decodeRedirectMessage(deflateRawSync(Buffer.from(xml)).toString('base64'), 'SAMLRequest'), xml);
    const bomb = deflateRawSync(Buffer.alloc(5 * 1024 * 1024, 0x41)).toString('base64');
    assert.throws(() => decodeRedirectMessage(bomb, 'SAMLRequest'), isRule('intake.inflate'));
    assert.throws(() => decodeRedirectMessage(Buffer.from('not deflate').toString('base64'), 'SAMLRequest'), isRule('intake.inflate'));
  });

  test('POST: base64 (line breaks allowed); a DEFLATEd body (node-saml 5.1) is inflated under the same cap; junk is refused', () => {
    const xml = '<r>hello</r>';
    const b64 = Buffer.from(xml).toString('base64');
    assert.equal(decodePostMessage(b64.slice(0, 4) + '\r\n' + b64.slice(4), 'SAMLResponse'), xml);
    assert.equal(decodePostMessage(deflateRawSync(Buffer.from(xml)).toString('base64'), 'SAMLRequest'), xml);
    assert.throws(() => decodePostMessage('***', 'SAMLRequest'), isRule('intake.encoding'));
    assert.throws(() => decodePostMessage('A'.repeat(100_000), 'SAMLRequest'), isRule('intake.size'));
    assert.throws(() => decodePostMessage(Buffer.from([0x3c, 0xff, 0xfe]).toString('base64'), 'SAMLRequest'), isRule('intake.encoding'));
  });
});
