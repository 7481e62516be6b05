/** SigV4 verification (src/sts/sigv4.ts) against AWS's published test vector and its canonical forms. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SigV4Error, canonicalQuery, checkSignatureTime, verifySigV4, type SignableRequest } from '../../src/sts/sigv4';

// "get-vanilla" from AWS's aws-sig-v4-test-suite: GET / on example.amazonaws.com, service "service".
const VANILLA: SignableRequest = {
  method: 'GET',
  rawPath: '/',
  rawQuery: '',
  rawHeaders: [
    'Host', 'example.amazonaws.com',
    'X-Amz-Date', '20150830T123600Z',
    'Authorization', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  ],
  body: Buffer.alloc(0),
};
const EXAMPLE_KEY = { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: null };

function refusedWith(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => error instanceof SigV4Error && error.code === code);
}

describe('SigV4 verification', () => {
  test("AWS's get-vanilla test vector verifies", () => {
    const identity = verifySigV4(VANILLA, 'service', (id) => (id === 'AKIDEXAMPLE' ? EXAMPLE_KEY : null));
    assert.equal(identity.accessKeyId, 'AKIDEXAMPLE');
    assert.equal(identity.signedAt.toISOString(), '2015-08-30T12:36:00.000Z');
  });

  test('the same request with another secret, another header value, a body, or an unknown key is refused', () => {
    refusedWith(() => verifySigV4(VANILLA, 'service', () => ({ ...EXAMPLE_KEY, secretAccessKey: 'x' + EXAMPLE_KEY.secretAccessKey.slice(1) })), 'SignatureDoesNotMatch');
    const otherHost = { ...VANILLA, rawHeaders: VANILLA.rawHeaders.map((h) => (h === 'example.amazonaws.com' ? 'evil.amazonaws.com' : h)) };
    refusedWith(() => verifySigV4(otherHost, 'service', () => EXAMPLE_KEY), 'SignatureDoesNotMatch');
    refusedWith(() => verifySigV4({ ...VANILLA, body: Buffer.from('Action=x') }, 'service', () => EXAMPLE_KEY), 'SignatureDoesNotMatch');
    refusedWith(() => verifySigV4(VANILLA, 'service', () => null), 'InvalidClientTokenId');
    refusedWith(() => verifySigV4(VANILLA, 'sts', () => EXAMPLE_KEY), 'SignatureDoesNotMatch');
  });

  test('a permanent key must not carry a session token; a temporary one must carry its own', () => {
    const withToken = { ...VANILLA, rawHeaders: [...VANILLA.rawHeaders, 'X-Amz-Security-Token', 'abc'] };
    refusedWith(() => verifySigV4(withToken, 'service', () => EXAMPLE_KEY), 'InvalidClientTokenId');
    refusedWith(() => verifySigV4(VANILLA, 'service', () => ({ ...EXAMPLE_KEY, sessionToken: 'abc' })), 'InvalidClientTokenId');
  });

  test('no Authorization at all → MissingAuthenticationToken; a malformed one → IncompleteSignature', () => {
    refusedWith(() => verifySigV4({ ...VANILLA, rawHeaders: VANILLA.rawHeaders.slice(0, 4) }, 'service', () => EXAMPLE_KEY), 'MissingAuthenticationToken');
    const broken = { ...VANILLA, rawHeaders: [...VANILLA.rawHeaders.slice(0, 4), 'Authorization', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request'] };
    refusedWith(() => verifySigV4(broken, 'service', () => EXAMPLE_KEY), 'IncompleteSignature');
  });

  test('the 15-minute window: a signature 16 minutes old or 16 minutes ahead is refused', () => {
    const identity = verifySigV4(VANILLA, 'service', () => EXAMPLE_KEY);
    checkSignatureTime(VANILLA, identity, new Date('2015-08-30T12:50:00Z'));
    refusedWith(() => checkSignatureTime(VANILLA, identity, new Date('2015-08-30T12:52:01Z')), 'SignatureDoesNotMatch');
    refusedWith(() => checkSignatureTime(VANILLA, identity, new Date('2015-08-30T12:20:00Z')), 'SignatureDoesNotMatch');
  });

  test('canonical query: names and values re-encoded with RFC 3986, sorted by name then value', () => {
    assert.equal(canonicalQuery('b=2&a=1&a=0&c=%7e%20x+y&d'), 'a=0&a=1&b=2&c=~%20x%2By&d=');
    assert.equal(canonicalQuery('X-Amz-Signature=abc&Action=GetCallerIdentity', 'X-Amz-Signature'), 'Action=GetCallerIdentity');
  });
});
