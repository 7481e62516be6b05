import { xmlAttr, xmlText } from './xmlText';
import { NAMEID_PERSISTENT } from './types';
import { createHash } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto/lib/exclusive-canonicalization';
import { DSIG_NS, type EnvelopedSigner } from './xmlDsig';
import { BINDING_SOAP } from './ecpNamespaces';

export const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface IdpMetadataInput {
  entityId: string;
  /** Base64 DER certificates; more than one during a key rollover (S5). */
  signingCertificates: string[];
  ssoUrl: string;
  nameIdFormats?: string[];
  /** The SAML ECP endpoint (saml-ecp-v2.0 §2.3.3), advertised as a SingleSignOnService with the SOAP binding. */
  ecpUrl?: string;
  /** Single Logout endpoint (HTTP-Redirect and HTTP-POST), listed before NameIDFormat as the schema orders it. */
  sloUrl?: string;
  /** IdP policy: every AuthnRequest must be signed (SESAME_SAML_REQUIRE_SIGNED_REQUESTS). */
  wantAuthnRequestsSigned?: boolean;
}

/**
 * The IdP's SAML 2.0 metadata (S4): what an admin uploads to IAM as is. UTF-8 without a BOM,
 * entityID equal to the Issuer we send (R1), one signing KeyDescriptor per published certificate,
 * no validUntil (IAM would otherwise cut the provider's lifetime short), SSO for Redirect and POST, and
 * for the SOAP binding at the ECP endpoint when one is given.
 */
export function buildIdpMetadata(input: IdpMetadataInput): string {
  const keys = input.signingCertificates
    .map(
      (cert) =>
        `  <md:KeyDescriptor use="signing">\n    <ds:KeyInfo xmlns:ds="${DSIG_NS}">\n      <ds:X509Data>\n` +
        `        <ds:X509Certificate>${cert}</ds:X509Certificate>\n      </ds:X509Data>\n    </ds:KeyInfo>\n  </md:KeyDescriptor>\n`,
    )
    .join('');
  const formats = (input.nameIdFormats ?? [NAMEID_PERSISTENT]).map((f) => `  <md:NameIDFormat>${xmlText(f)}</md:NameIDFormat>\n`).join('');
  const sso = xmlAttr(input.ssoUrl);
  const slo = input.sloUrl
    ? `  <md:SingleLogoutService Binding="${BINDING_REDIRECT}" Location="${xmlAttr(input.sloUrl)}"/>\n` +
      `  <md:SingleLogoutService Binding="${BINDING_POST}" Location="${xmlAttr(input.sloUrl)}"/>\n`
    : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${MD_NS}" entityID="${xmlAttr(input.entityId)}">\n` +
    ` <md:IDPSSODescriptor WantAuthnRequestsSigned="${input.wantAuthnRequestsSigned ? 'true' : 'false'}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n` +
    keys +
    slo +
    formats +
    `  <md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${sso}"/>\n` +
    `  <md:SingleSignOnService Binding="${BINDING_POST}" Location="${sso}"/>\n` +
    (input.ecpUrl ? `  <md:SingleSignOnService Binding="${BINDING_SOAP}" Location="${xmlAttr(input.ecpUrl)}"/>\n` : '') +
    ` </md:IDPSSODescriptor>\n` +
    `</md:EntityDescriptor>\n`
  );
}

/**
 * The same metadata with an enveloped signature on the EntityDescriptor, for SPs and federations
 * that require signed metadata (served at /saml/metadata/signed). The document is brought into
 * exclusive-C14N form once (xml-crypto's canonicalizer: metadata is signed rarely, unlike
 * assertions), an ID is added for the Reference, and the signature goes first inside the
 * EntityDescriptor as the schema wants; its digest is then the text we send.
 */
export function signIdpMetadata(metadataXml: string, signer: EnvelopedSigner): string {
  const doc = new DOMParser().parseFromString(metadataXml, 'text/xml');
  const root = doc.documentElement!;
  const id = '_' + createHash('sha256').update(metadataXml).digest('hex').slice(0, 40);
  root.setAttribute('ID', id);
  const canonical = new ExclusiveCanonicalization().process(root as unknown as Element, {}).toString();
  const signature = signer.signatureFor(canonical, id);
  const headEnd = canonical.indexOf('>') + 1;
  return `<?xml version="1.0" encoding="UTF-8"?>\n` + canonical.slice(0, headEnd) + signature + canonical.slice(headEnd) + '\n';
}
