import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { RESPONSE_SIGNATURE_INVALID, invalidIdentityToken } from './awsErrors';
import { ruleError, type Finding } from './finding';
import { certificateFingerprint, type TrustedProvider } from './providerMetadata';
import { NS, attr, childElements, descendants, parseStrictXml } from './strictXml';

export const ALG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const ALG_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const ALG_EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ALG_ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** Algorithms a signature may use (S2). Everything else — RSA-SHA1, SHA-1, #WithComments, inclusive C14N, HMAC — is refused. */
const ALLOWED_TRANSFORMS = new Set([ALG_ENVELOPED, ALG_EXC_C14N]);
/** Enveloped + exclusive C14N is all a SAML signature needs; more transforms is a DoS vector (CVE-2021-39171). */
const MAX_TRANSFORMS = 2;

export interface SignatureVerdict {
  /** The Assertion re-parsed from the exclusive-C14N bytes that were signed (its Signature removed), or null. */
  signedAssertion: Element | null;
  /** The same for the Response, when the Response is signed and verifies. */
  signedResponse: Element | null;
  findings: Finding[];
}

const invalid = () => invalidIdentityToken(RESPONSE_SIGNATURE_INVALID);

/** Algorithm tables holding only the allowed entries, taken from a stock instance. */
function restrict(sig: SignedXml): void {
  const stock = new SignedXml();
  const pick = <T>(table: Record<string, T>, keys: string[]): Record<string, T> => Object.fromEntries(keys.map((k) => [k, table[k]!]));
  (sig as { SignatureAlgorithms: unknown }).SignatureAlgorithms = pick(stock.SignatureAlgorithms as Record<string, unknown>, [ALG_RSA_SHA256]);
  (sig as { HashAlgorithms: unknown }).HashAlgorithms = pick(stock.HashAlgorithms as Record<string, unknown>, [ALG_SHA256]);
  (sig as { CanonicalizationAlgorithms: unknown }).CanonicalizationAlgorithms = pick(stock.CanonicalizationAlgorithms as Record<string, unknown>, [ALG_EXC_C14N, ALG_ENVELOPED]);
}

interface ShapeProblem {
  /** S2 for a refused algorithm, S1 for a malformed or misdirected signature. */
  rule: 'S1' | 'S2';
  problem: string;
}

/** Checks the SignedInfo shape on our own strict DOM before any crypto: the S2 allow-list and one enveloped Reference. */
function signedInfoProblem(signature: Element, ownerId: string): ShapeProblem | null {
  const s1 = (problem: string): ShapeProblem => ({ rule: 'S1', problem });
  const s2 = (problem: string): ShapeProblem => ({ rule: 'S2', problem });
  const signedInfos = childElements(signature, NS.ds, 'SignedInfo');
  if (signedInfos.length !== 1) return s1(`has ${signedInfos.length} SignedInfo elements`);
  const signedInfo = signedInfos[0]!;
  const c14n = childElements(signedInfo, NS.ds, 'CanonicalizationMethod');
  if (c14n.length !== 1 || attr(c14n[0]!, 'Algorithm') !== ALG_EXC_C14N) {
    return s2(`uses canonicalization ${JSON.stringify(c14n[0] ? attr(c14n[0], 'Algorithm') : null)}; AWS expects exclusive C14N (${ALG_EXC_C14N})`);
  }
  const method = childElements(signedInfo, NS.ds, 'SignatureMethod');
  if (method.length !== 1 || attr(method[0]!, 'Algorithm') !== ALG_RSA_SHA256) {
    return s2(`uses signature algorithm ${JSON.stringify(method[0] ? attr(method[0], 'Algorithm') : null)}; AWS expects RSA-SHA256 (${ALG_RSA_SHA256})`);
  }
  const references = childElements(signedInfo, NS.ds, 'Reference');
  if (references.length !== 1) return s1(`has ${references.length} Reference elements; a SAML signature has exactly one`);
  const reference = references[0]!;
  if (attr(reference, 'URI') !== `#${ownerId}`) {
    return s1(`references ${JSON.stringify(attr(reference, 'URI'))}, not its own element "#${ownerId}" (signature wrapping?)`);
  }
  const transforms = childElements(reference, NS.ds, 'Transforms').flatMap((t) => childElements(t, NS.ds, 'Transform'));
  if (transforms.length > MAX_TRANSFORMS) return s2(`has ${transforms.length} transforms; at most ${MAX_TRANSFORMS} (enveloped-signature, exclusive C14N) are allowed`);
  for (const transform of transforms) {
    const algorithm = attr(transform, 'Algorithm') ?? '';
    if (!ALLOWED_TRANSFORMS.has(algorithm)) return s2(`uses transform ${JSON.stringify(algorithm)}; only enveloped-signature and exclusive C14N are allowed`);
  }
  if (!transforms.some((t) => attr(t, 'Algorithm') === ALG_ENVELOPED)) return s1('is not an enveloped signature (no enveloped-signature transform)');
  const digest = childElements(reference, NS.ds, 'DigestMethod');
  if (digest.length !== 1 || attr(digest[0]!, 'Algorithm') !== ALG_SHA256) {
    return s2(`uses digest ${JSON.stringify(digest[0] ? attr(digest[0], 'Algorithm') : null)}; AWS expects SHA-256 (${ALG_SHA256})`);
  }
  if (childElements(signature, NS.ds, 'SignatureValue').length !== 1) return s1('has no single SignatureValue');
  return null;
}

/** The certificate a signature advertises in KeyInfo: never trusted, only named when it is not the registered one (S5). */
function advertisedCertificate(signature: Element): { fingerprint: string; subject: string } | null {
  const element = descendants(signature, NS.ds, 'X509Certificate')[0];
  if (!element) return null;
  try {
    const certificate = new X509Certificate(Buffer.from((element.textContent ?? '').replace(/\s+/g, ''), 'base64'));
    return { fingerprint: certificateFingerprint(certificate.raw), subject: certificate.subject };
  } catch {
    return null;
  }
}

type VerifyOutcome = { ok: true; canonical: string } | { ok: false; digestMismatch: boolean; detail: string };

/**
 * One enveloped signature against one certificate, with a fresh SignedXml (an instance accumulates
 * references across checks, security-notes §2.1), KeyInfo ignored, algorithms restricted. Returns
 * the canonical bytes of what was signed: the only text identity values may be read from.
 */
function verifyWith(xml: string, signature: Element, certPem: string): VerifyOutcome {
  const sig = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  restrict(sig);
  try {
    sig.loadSignature(signature);
    if (!sig.checkSignature(xml)) return { ok: false, digestMismatch: true, detail: 'digest mismatch' };
  } catch (error) {
    return { ok: false, digestMismatch: false, detail: (error as Error).message };
  }
  const references = sig.getSignedReferences();
  if (references.length !== 1) return { ok: false, digestMismatch: false, detail: `${references.length} signed references` };
  return { ok: true, canonical: references[0]! };
}

/**
 * S1/S2: finds the Response and Assertion signatures where SAML puts them (and nowhere else),
 * checks their algorithms, verifies them with the provider's registered certificates only, and
 * returns the elements re-read from the signed canonical bytes (security-notes §2.1, §2.4). The
 * Assertion must be signed (AWS's SP metadata says WantAssertionsSigned; a Response-only signature
 * is unconfirmed, rules §12.2, so it is refused). A Response signature, when present, must verify too.
 */
export function verifySignatures(xml: string, doc: Document, response: Element, assertion: Element, provider: TrustedProvider): SignatureVerdict {
  const findings: Finding[] = [];
  const fail = (message: string, fix: string): SignatureVerdict => {
    findings.push(ruleError('S1', message, fix, invalid()));
    return { signedAssertion: null, signedResponse: null, findings };
  };
  const responseSignatures = childElements(response, NS.ds, 'Signature');
  const assertionSignatures = childElements(assertion, NS.ds, 'Signature');
  const allSignatures = descendants(doc, NS.ds, 'Signature');
  if (responseSignatures.length > 1 || assertionSignatures.length > 1 || allSignatures.length !== responseSignatures.length + assertionSignatures.length) {
    return fail(
      'The response carries ds:Signature elements outside the places SAML allows (one in the Response, one in the Assertion)',
      'Sign exactly the Assertion (and optionally the Response), each with one enveloped signature.',
    );
  }
  if (assertionSignatures.length === 0) {
    return fail(
      responseSignatures.length === 1 ? 'Only the Response is signed; the Assertion carries no signature' : 'Neither the Assertion nor the Response is signed',
      "Sign the Assertion: AWS's SP metadata sets WantAssertionsSigned=\"true\" (S1).",
    );
  }
  const certificates = provider.signingCertificates;
  const judge = (owner: Element, signature: Element, label: string): Element | null => {
    const id = attr(owner, 'ID') ?? '';
    const shape = signedInfoProblem(signature, id);
    if (shape !== null) {
      findings.push(ruleError(shape.rule, `The ${label} signature ${shape.problem}`, 'Sign with RSA-SHA256, SHA-256 digests and exclusive C14N, one enveloped Reference to the signed element (S1, S2).', invalid()));
      return null;
    }
    let digestMismatch = false;
    for (const certificate of certificates) {
      const outcome = verifyWith(xml, signature, certificate.pem);
      if (outcome.ok) {
        let signed: Element;
        try {
          signed = parseStrictXml(outcome.canonical, `the signed ${label}`).documentElement!;
        } catch (error) {
          findings.push(ruleError('S1', `The signed ${label} cannot be read back: ${(error as Error).message}`, 'Emit plain SAML without processing instructions or DTDs.', invalid()));
          return null;
        }
        if (signed.localName !== owner.localName || signed.namespaceURI !== owner.namespaceURI || attr(signed, 'ID') !== id) {
          findings.push(ruleError('S1', `The ${label} signature covers <${signed.nodeName} ID="${attr(signed, 'ID')}">, not the ${label} (signature wrapping)`, 'Reference the signed element by its own ID.', invalid()));
          return null;
        }
        return signed;
      }
      digestMismatch ||= outcome.digestMismatch;
    }
    if (digestMismatch) {
      findings.push(ruleError('S1', `The ${label} was changed after it was signed: its digest no longer matches`, 'Do not modify the response after signing; if the IdP built it, its canonical form is broken — check with xmlsec1.', invalid()));
      return null;
    }
    const advertised = advertisedCertificate(signature);
    const registered = certificates.map((c) => c.fingerprint);
    const hint =
      advertised && !registered.includes(advertised.fingerprint)
        ? ` It names certificate ${advertised.subject} (SHA-256 ${advertised.fingerprint}), which is not in the provider's metadata (registered: ${registered.join(', ')}).`
        : '';
    findings.push(
      ruleError(
        'S1',
        `The ${label} signature does not verify with any certificate in the provider's metadata.${hint}`,
        'Upload the IdP\'s current metadata to IAM (aws iam update-saml-provider) after a key change (S5).',
        invalid(),
      ),
    );
    return null;
  };
  const signedAssertion = judge(assertion, assertionSignatures[0]!, 'Assertion');
  const signedResponse = responseSignatures.length === 1 ? judge(response, responseSignatures[0]!, 'Response') : null;
  return { signedAssertion, signedResponse, findings };
}
