import { SignedXml } from 'xml-crypto';
import { ExclusiveCanonicalization } from 'xml-crypto/lib/exclusive-canonicalization';
import { EnvelopedSignature } from 'xml-crypto/lib/enveloped-signature';
import { Sha1, Sha256, Sha512 } from 'xml-crypto/lib/hash-algorithms';
import { RsaSha1, RsaSha256, RsaSha512 } from 'xml-crypto/lib/signature-algorithms';
import { childElements, elementText, parseSamlXml } from './parseSamlXml';
import { INTAKE_RULES, SamlIntakeError } from './samlIntakeError';
import {
  C14N_EXCLUSIVE,
  checkCanonicalization,
  checkDigestAlgorithm,
  checkSignatureAlgorithm,
  DIGEST_SHA1,
  DIGEST_SHA256,
  DIGEST_SHA512,
  SIG_RSA_SHA1,
  SIG_RSA_SHA256,
  SIG_RSA_SHA512,
  TRANSFORM_ENVELOPED,
} from './signatureAlgorithms';
import { certificatePem } from './certificates';

export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

export interface SignaturePolicy {
  /** Base64 DER signing certificates registered for the sender; KeyInfo in the message is never used. */
  certificates: string[];
  allowSha1: boolean;
}

export interface VerifiedElement {
  /** The signed bytes of the root element, as xml-crypto canonicalized them (signature removed). */
  signedXml: string;
  /** A fresh strict parse of `signedXml`: the only tree a caller may read after verification. */
  signedDocument: Document;
  signatureAlgorithm: string;
}

/** Whether the document carries any ds:Signature element, anywhere. */
export function hasXmlSignature(doc: Document): boolean {
  return doc.getElementsByTagNameNS(DS_NS, 'Signature').length > 0;
}

function only(parent: Element, local: string): Element {
  const found = childElements(parent, DS_NS, local);
  if (found.length !== 1) throw new SamlIntakeError(INTAKE_RULES.signatureReference, `The signature must have exactly one ${local}; it has ${found.length}.`);
  return found[0]!;
}

/**
 * Verifies the one enveloped signature of a protocol message and returns what it signed.
 *
 * Signature wrapping is stopped structurally before any cryptography: exactly one ds:Signature in
 * the whole document, a direct child of the root element (the element we consume); one SignedInfo
 * with one Reference whose URI is "#" + the root's ID; that ID carried by no other element;
 * transforms limited to enveloped + exclusive C14N (at most two: CVE-2021-39171); allow-listed
 * algorithms. xml-crypto 6.3.2 then checks the digest and the RSA signature with a fresh instance
 * per certificate, its algorithm tables cut down to the allow-list and KeyInfo ignored. Callers
 * read ONLY `signedDocument`, parsed from getSignedReferences() (the node-saml 5.1.0 fix for
 * CVE-2025-54419/54369), never the document that arrived.
 */
export function verifyEnvelopedSignature(xml: string, doc: Document, policy: SignaturePolicy): VerifiedElement {
  const root = doc.documentElement;
  const all = doc.getElementsByTagNameNS(DS_NS, 'Signature');
  if (all.length === 0) throw new SamlIntakeError(INTAKE_RULES.signatureMissing, 'The message is not signed.');
  if (all.length > 1) throw new SamlIntakeError(INTAKE_RULES.signatureCount, `The message carries ${all.length} signatures; exactly one, on the message itself, is accepted.`);
  const signature = all[0]!;
  if (signature.parentNode !== root) {
    throw new SamlIntakeError(INTAKE_RULES.signatureReference, 'The signature is not a direct child of the message it must sign (signature wrapping).');
  }
  const rootId = root.getAttribute('ID');
  if (!rootId) throw new SamlIntakeError(INTAKE_RULES.signatureReference, `The ${root.localName} has no ID, so no signature can reference it.`);
  let sameId = 0;
  const elements = doc.getElementsByTagName('*');
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i]!;
    if (el.getAttribute('ID') === rootId || el.getAttribute('Id') === rootId || el.getAttribute('id') === rootId) sameId++;
  }
  if (sameId !== 1) throw new SamlIntakeError(INTAKE_RULES.signatureReference, `The ID ${JSON.stringify(rootId)} occurs on ${sameId} elements (signature wrapping).`);

  const signedInfo = only(signature, 'SignedInfo');
  checkCanonicalization(only(signedInfo, 'CanonicalizationMethod').getAttribute('Algorithm') ?? '');
  const signatureAlgorithm = only(signedInfo, 'SignatureMethod').getAttribute('Algorithm') ?? '';
  checkSignatureAlgorithm(signatureAlgorithm, policy.allowSha1);
  const reference = only(signedInfo, 'Reference');
  if (reference.getAttribute('URI') !== `#${rootId}`) {
    throw new SamlIntakeError(INTAKE_RULES.signatureReference, `The signature references ${JSON.stringify(reference.getAttribute('URI'))}, not the message it is in (#${rootId}).`);
  }
  const transforms = childElements(reference, DS_NS, 'Transforms');
  const transformList = transforms.length === 1 ? childElements(transforms[0]!, DS_NS, 'Transform') : [];
  if (transforms.length > 1 || transformList.length > 2) throw new SamlIntakeError(INTAKE_RULES.signatureReference, 'The signature has too many transforms.');
  const transformUris = transformList.map((t) => t.getAttribute('Algorithm') ?? '');
  if (!transformUris.includes(TRANSFORM_ENVELOPED) || transformUris.some((uri) => uri !== TRANSFORM_ENVELOPED && uri !== C14N_EXCLUSIVE)) {
    throw new SamlIntakeError(INTAKE_RULES.signatureAlgorithm, 'The signature transforms must be enveloped-signature and exclusive C14N.');
  }
  checkDigestAlgorithm(only(reference, 'DigestMethod').getAttribute('Algorithm') ?? '', policy.allowSha1);
  elementText(only(reference, 'DigestValue'));
  elementText(only(signature, 'SignatureValue'));

  if (policy.certificates.length === 0) {
    throw new SamlIntakeError(INTAKE_RULES.signatureUntrusted, 'The message is signed, but no signing certificate is registered for its sender; register the metadata with its signing key.', 403);
  }
  for (const certificate of policy.certificates) {
    const verifier = restrictedVerifier(certificatePem(certificate), policy.allowSha1);
    verifier.loadSignature(signature);
    let valid = false;
    try {
      valid = verifier.checkSignature(xml);
    } catch {
      valid = false;
    }
    if (!valid) continue;
    const references = verifier.getSignedReferences();
    if (references.length !== 1) throw new SamlIntakeError(INTAKE_RULES.signatureReference, 'The signature must cover exactly one element.');
    const signedXml = references[0]!;
    const signedDocument = parseSamlXml(signedXml);
    const signedRoot = signedDocument.documentElement;
    if (signedRoot.namespaceURI !== root.namespaceURI || signedRoot.localName !== root.localName || signedRoot.getAttribute('ID') !== rootId) {
      throw new SamlIntakeError(INTAKE_RULES.signatureReference, 'The signed element is not the message root.');
    }
    return { signedXml, signedDocument, signatureAlgorithm };
  }
  throw new SamlIntakeError(INTAKE_RULES.signatureInvalid, 'The signature does not verify with any signing certificate registered for this sender (tampered, or signed with another key).', 403);
}

/** A fresh SignedXml per check (it accumulates references), trusting only `certPem`, knowing only allow-listed algorithms. */
function restrictedVerifier(certPem: string, allowSha1: boolean): SignedXml {
  const verifier = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  verifier.CanonicalizationAlgorithms = {
    [C14N_EXCLUSIVE]: ExclusiveCanonicalization,
    [TRANSFORM_ENVELOPED]: EnvelopedSignature,
  } as SignedXml['CanonicalizationAlgorithms'];
  verifier.HashAlgorithms = {
    [DIGEST_SHA256]: Sha256,
    [DIGEST_SHA512]: Sha512,
    ...(allowSha1 ? { [DIGEST_SHA1]: Sha1 } : {}),
  } as SignedXml['HashAlgorithms'];
  verifier.SignatureAlgorithms = {
    [SIG_RSA_SHA256]: RsaSha256,
    [SIG_RSA_SHA512]: RsaSha512,
    ...(allowSha1 ? { [SIG_RSA_SHA1]: RsaSha1 } : {}),
  } as SignedXml['SignatureAlgorithms'];
  return verifier;
}
