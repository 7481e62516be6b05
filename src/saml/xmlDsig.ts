import { createHash, sign, type KeyObject } from 'node:crypto';

export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const ALG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const ALG_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const ALG_EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ALG_ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** The key an enveloped signature is made with and the certificate it advertises. */
export interface DsigKey {
  privateKey: KeyObject;
  /** DER certificate, base64 on one line, as it goes into ds:X509Certificate. */
  certificateBase64: string;
}

// The constant parts of SignedInfo, already canonical (S2: RSA-SHA256, SHA-256, exclusive C14N).
const SIGNED_INFO_HEAD =
  `<ds:CanonicalizationMethod Algorithm="${ALG_EXC_C14N}"></ds:CanonicalizationMethod>` +
  `<ds:SignatureMethod Algorithm="${ALG_RSA_SHA256}"></ds:SignatureMethod>` +
  `<ds:Reference URI="#`;
const SIGNED_INFO_MIDDLE =
  `"><ds:Transforms><ds:Transform Algorithm="${ALG_ENVELOPED}"></ds:Transform>` +
  `<ds:Transform Algorithm="${ALG_EXC_C14N}"></ds:Transform></ds:Transforms>` +
  `<ds:DigestMethod Algorithm="${ALG_SHA256}"></ds:DigestMethod><ds:DigestValue>`;
const SIGNED_INFO_TAIL = `</ds:DigestValue></ds:Reference></ds:SignedInfo>`;

/**
 * Makes enveloped XML signatures without a DOM or a canonicalizer. The caller hands over an element
 * that is already in exclusive-C14N form (our builders emit nothing else), so its digest is taken over
 * the text as is; the only canonicalization left is SignedInfo's, whose shape is fixed. This is the
 * signing hot path: two SHA-256 passes and one RSA signature per signed element.
 */
export class EnvelopedSigner {
  private readonly keyInfo: string;

  constructor(private readonly key: DsigKey) {
    this.keyInfo = `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
  }

  /**
   * @param canonicalElement the element to sign, without its signature, in exclusive-C14N form
   * @param id the element's ID attribute value (the Reference URI)
   * @returns the ds:Signature element, to be inserted right after the element's saml:Issuer
   */
  signatureFor(canonicalElement: string, id: string): string {
    const digest = createHash('sha256').update(canonicalElement, 'utf8').digest('base64');
    const signedInfoBody = SIGNED_INFO_HEAD + id + SIGNED_INFO_MIDDLE + digest + SIGNED_INFO_TAIL;
    // Canonical SignedInfo carries the ds namespace itself: exclusive C14N renders it on the apex
    // of the signed subtree. In the document it is inherited from ds:Signature instead.
    const canonicalSignedInfo = `<ds:SignedInfo xmlns:ds="${DSIG_NS}">` + signedInfoBody;
    const value = sign('sha256', Buffer.from(canonicalSignedInfo, 'utf8'), this.key.privateKey).toString('base64');
    return (
      `<ds:Signature xmlns:ds="${DSIG_NS}"><ds:SignedInfo>` +
      signedInfoBody +
      `<ds:SignatureValue>${value}</ds:SignatureValue>` +
      this.keyInfo +
      `</ds:Signature>`
    );
  }

  /**
   * RSA-SHA256 over raw octets, for the HTTP-Redirect binding, where the signature travels in the
   * query string (SAML bindings 3.4.4.1) instead of inside the message. Returns base64.
   */
  signOctets(octets: string): { sigAlg: string; signature: string } {
    return { sigAlg: ALG_RSA_SHA256, signature: sign('sha256', Buffer.from(octets, 'utf8'), this.key.privateKey).toString('base64') };
  }
}
