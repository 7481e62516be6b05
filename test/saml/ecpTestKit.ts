/**
 * Checks of ECP SOAP envelopes with xmlsec1 where the signed elements sit: inside S:Body, not at
 * the document root. Same hardening flags as test/helpers/xmlsec.ts (only same-document references,
 * the key only from our certificate, never from KeyInfo), with the signature chosen by XPath.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLSEC1_BINARY } from '../helpers/xmlsec';

const NS_SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';

const step = (local: string, ns: string) => `/*[local-name()='${local}' and namespace-uri()='${ns}']`;
const RESPONSE_PATH = step('Envelope', NS_SOAP) + step('Body', NS_SOAP) + step('Response', NS_SAMLP);

/** Verifies the Response's or the Assertion's own signature inside an ECP envelope with xmlsec1. */
export async function verifyInEnvelopeWithXmlsec1(envelopeXml: string, certPem: string, which: 'Response' | 'Assertion'): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sesame-ecp-xmlsec-'));
  try {
    await writeFile(join(dir, 'envelope.xml'), envelopeXml, 'utf8');
    await writeFile(join(dir, 'cert.pem'), certPem, 'utf8');
    const xpath = RESPONSE_PATH + (which === 'Assertion' ? step('Assertion', NS_SAML) : '') + step('Signature', NS_DS);
    const args = [
      '--verify',
      '--enabled-reference-uris', 'same-doc',
      '--enabled-key-data', 'raw-x509-cert',
      '--id-attr:ID', `${NS_SAMLP}:Response`,
      '--id-attr:ID', `${NS_SAML}:Assertion`,
      '--pubkey-cert-pem', join(dir, 'cert.pem'),
      '--node-xpath', xpath,
      join(dir, 'envelope.xml'),
    ];
    return await new Promise((resolve) => {
      execFile(XMLSEC1_BINARY, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ ok: !error, output: `$ xmlsec1 ${args.join(' ')}\n${stdout}${stderr}`.replaceAll(dir, '<tmp>') });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
