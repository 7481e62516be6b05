/** Plain values exchanged between attribute mappers, the assertion builder and the signer. */

export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const NAMEID_TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
export const ATTRNAME_FORMAT_URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
export const AUTHN_CONTEXT_PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
export const AUTHN_CONTEXT_PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password';

/** One SAML attribute as released to a service provider; values are plain strings (xs:string). */
export interface SamlAttribute {
  name: string;
  nameFormat?: string;
  friendlyName?: string;
  values: string[];
}

/** The authenticated person an assertion is about, as the mappers see them. */
export interface Principal {
  /** Stable internal user id (never reused). */
  userId: number;
  username: string;
  displayName: string;
  email: string | null;
}

/** One AWS role a principal may assume, as granted to one of their groups. */
export interface AwsRoleGrant {
  roleArn: string;
  providerArn: string;
  label: string | null;
  /** Seconds, 900–43200, or null when the grant leaves the session length to AWS. */
  sessionDuration: number | null;
  groupName: string;
}
