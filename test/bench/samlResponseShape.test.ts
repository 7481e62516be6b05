/**
 * Issue 6: the samlify baseline makes "the same AWS response" as Sesame, and the benchmark can tell
 * when it does not. Both responses are also checked by xmlsec1, an implementation nobody here wrote.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBenchInstallation, type BenchInstallation } from '../../scripts/bench/benchInstallation';
import { measureCoreThroughput, type CoreThroughput } from '../../scripts/bench/coreThroughput';
import { measureSamlifyBaseline, type SamlifyBaseline } from '../../scripts/bench/samlifyBaseline';
import { describeSamlResponse, problemsWithAwsResponse, shapeDifferences } from '../../scripts/bench/samlResponseShape';
import { buildSignedResponse } from '../../src/saml/buildResponse';
import { EnvelopedSigner } from '../../src/saml/xmlDsig';
import { verifyWithXmlsec1 } from '../helpers/xmlsec';

let installation: BenchInstallation;
let sesame: CoreThroughput;
let samlify: SamlifyBaseline;

before(async () => {
  installation = await createBenchInstallation();
  sesame = await measureCoreThroughput(installation, 0.05);
  samlify = await measureSamlifyBaseline(installation, sesame.sampleInput, 0.05);
});
after(() => installation?.remove());

test("samlify's response reads exactly like Sesame's: values, algorithms, both signatures verified", () => {
  const ours = describeSamlResponse(sesame.sampleXml, installation.key.certificatePem);
  const theirs = describeSamlResponse(samlify.sampleXml, installation.key.certificatePem);
  assert.deepEqual(shapeDifferences(ours, theirs), []);
  assert.deepEqual(problemsWithAwsResponse(ours), []);
  assert.equal(ours.responseSignature?.signatureMethod, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
  assert.deepEqual(ours.attributes.map((a) => a.name), [
    'https://aws.amazon.com/SAML/Attributes/Role',
    'https://aws.amazon.com/SAML/Attributes/RoleSessionName',
    'https://aws.amazon.com/SAML/Attributes/SessionDuration',
  ]);
  assert.equal(ours.attributes[0]!.values.length, 2, 'two roles');
});

test('xmlsec1 verifies both signatures of both responses with the IdP certificate', async () => {
  for (const [who, xml] of [['Sesame', sesame.sampleXml], ['samlify', samlify.sampleXml]] as const) {
    for (const node of ['Response', 'Assertion'] as const) {
      const result = await verifyWithXmlsec1(xml, installation.key.certificatePem, { node });
      assert.ok(result.ok, `${who} ${node}: ${result.output}`);
    }
  }
});

test('a response changed after signing is caught: its assertion signature no longer verifies', () => {
  const tampered = samlify.sampleXml.replace('role/ReadOnly', 'role/Admin');
  assert.notEqual(tampered, samlify.sampleXml);
  const problems = problemsWithAwsResponse(describeSamlResponse(tampered, installation.key.certificatePem));
  assert.ok(problems.some((p) => /Assertion signature does not verify/.test(p)), problems.join('; '));
});

test('a response made with other signing choices or values is reported as different', () => {
  const signer = new EnvelopedSigner(installation.key);
  const ours = describeSamlResponse(sesame.sampleXml, installation.key.certificatePem);
  const unsignedResponse = buildSignedResponse({ ...sesame.sampleInput, signResponse: false }, signer);
  assert.match(shapeDifferences(ours, describeSamlResponse(unsignedResponse.xml, installation.key.certificatePem)).join('\n'), /^responseSignature: /m);
  const otherAudience = buildSignedResponse({ ...sesame.sampleInput, audience: 'https://signin.aws.amazon.com/saml' }, signer);
  assert.match(shapeDifferences(ours, describeSamlResponse(otherAudience.xml, installation.key.certificatePem)).join('\n'), /^audience: /m);
});
