import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, it } from 'node:test';
import { SignedXml } from 'xml-crypto';
import { ALG_ENVELOPED, ALG_EXC_C14N, ALG_RSA_SHA256, ALG_SHA256, DSIG_NS } from '../../src/saml/xmlDsig';
import { childElements, descendants, makeSigningKey, parseStrict, type TestSigningKey } from './samlTestKit';

const NS = 'urn:example:signed';

/** A canonical element, signed the way buildSignedResponse does it: the Signature right after the first child. */
function signedDocument(key: TestSigningKey, id: string, body: string): { xml: string; canonical: string } {
  const head = `<x:Root xmlns:x="${NS}" ID="${id}"><x:First>one</x:First>`;
  const tail = `${body}</x:Root>`;
  const canonical = head + tail;
  return { xml: head + key.signer.signatureFor(canonical, id) + tail, canonical };
}

describe('EnvelopedSigner', () => {
  let key: TestSigningKey;
  before(() => {
    key = makeSigningKey();
  });

  it('S2: the DigestValue is SHA-256 of the canonical element it was given', () => {
    const { xml, canonical } = signedDocument(key, '_abc', '<x:Second>two</x:Second>');
    const digest = descendants(parseStrict(xml), DSIG_NS, 'DigestValue')[0]!.textContent;
    assert.equal(digest, crypto.createHash('sha256').update(canonical, 'utf8').digest('base64'));
  });

  it('S2: the SignatureValue is RSA-SHA256 over SignedInfo in exclusive C14N, as xml-crypto computes it', () => {
    const { xml } = signedDocument(key, '_abc', '<x:Second>two</x:Second>');
    const doc = parseStrict(xml);
    const signature = descendants(doc, DSIG_NS, 'Signature')[0]!;
    const signedInfo = childElements(signature, DSIG_NS, 'SignedInfo')[0]!;
    const sig = new SignedXml();
    sig.loadSignature(signature);
    const canonicalSignedInfo = sig.getCanonXml([ALG_EXC_C14N], signedInfo);
    assert.ok(canonicalSignedInfo.startsWith(`<ds:SignedInfo xmlns:ds="${DSIG_NS}">`));
    const value = Buffer.from(childElements(signature, DSIG_NS, 'SignatureValue')[0]!.textContent ?? '', 'base64');
    assert.equal(crypto.verify('sha256', Buffer.from(canonicalSignedInfo, 'utf8'), crypto.createPublicKey(key.privateKey), value), true);
  });

  it('xml-crypto verifies the enveloped signature with our certificate, reference #<ID>', () => {
    const { xml, canonical } = signedDocument(key, '_root1', '<x:Second a="1" b="&amp;">t&lt;</x:Second>');
    const doc = parseStrict(xml);
    const sig = new SignedXml({ publicCert: key.certPem });
    sig.loadSignature(descendants(doc, DSIG_NS, 'Signature')[0]!);
    assert.equal(sig.checkSignature(xml), true);
    assert.deepEqual(sig.getReferences().map((r) => r.uri), ['#_root1']);
    assert.deepEqual(sig.getSignedReferences(), [canonical]);
  });

  it('S2: emits only rsa-sha256, sha256, enveloped-signature and exc-c14n, with explicit end tags (canonical SignedInfo)', () => {
    const { xml } = signedDocument(key, '_a', '');
    const signatureXml = xml.slice(xml.indexOf('<ds:Signature'), xml.indexOf('</ds:Signature>') + '</ds:Signature>'.length);
    const algorithms = [...signatureXml.matchAll(/Algorithm="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(algorithms, [ALG_EXC_C14N, ALG_RSA_SHA256, ALG_ENVELOPED, ALG_EXC_C14N, ALG_SHA256]);
    assert.ok(!signatureXml.includes('/>'), 'no self-closing tags inside SignedInfo');
    assert.ok(signatureXml.includes(`<ds:X509Certificate>${key.certBase64}</ds:X509Certificate>`));
  });

  it('the same element signed twice gives the same digest and (RSA PKCS#1 v1.5 being deterministic) the same signature', () => {
    const a = signedDocument(key, '_same', '<x:S>v</x:S>').xml;
    const b = signedDocument(key, '_same', '<x:S>v</x:S>').xml;
    assert.equal(a, b);
  });
});
