import { xmlAttr } from './xmlText';
import { NAMEID_PERSISTENT } from './types';
import { DSIG_NS } from './xmlDsig';

export const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface IdpMetadataInput {
  entityId: string;
  /** Base64 DER certificates; more than one during a key rollover (S5). */
  signingCertificates: string[];
  ssoUrl: string;
  nameIdFormats?: string[];
}

/**
 * The IdP's SAML 2.0 metadata (S4): what an admin uploads to IAM as is. UTF-8 without a BOM,
 * entityID equal to the Issuer we send (R1), one signing KeyDescriptor per published certificate,
 * no validUntil (IAM would otherwise cut the provider's lifetime short), SSO for Redirect and POST.
 */
export function buildIdpMetadata(input: IdpMetadataInput): string {
  const keys = input.signingCertificates
    .map(
      (cert) =>
        `  <md:KeyDescriptor use="signing">\n    <ds:KeyInfo xmlns:ds="${DSIG_NS}">\n      <ds:X509Data>\n` +
        `        <ds:X509Certificate>${cert}</ds:X509Certificate>\n      </ds:X509Data>\n    </ds:KeyInfo>\n  </md:KeyDescriptor>\n`,
    )
    .join('');
  const formats = (input.nameIdFormats ?? [NAMEID_PERSISTENT]).map((f) => `  <md:NameIDFormat>${f}</md:NameIDFormat>\n`).join('');
  const sso = xmlAttr(input.ssoUrl);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${MD_NS}" entityID="${xmlAttr(input.entityId)}">\n` +
    ` <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n` +
    keys +
    formats +
    `  <md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${sso}"/>\n` +
    `  <md:SingleSignOnService Binding="${BINDING_POST}" Location="${sso}"/>\n` +
    ` </md:IDPSSODescriptor>\n` +
    `</md:EntityDescriptor>\n`
  );
}
