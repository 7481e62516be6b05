/** Names the SAML ECP profile (saml-ecp-v2.0) and the SOAP 1.1 binding use. */
export const SOAP11_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP_ACTOR_NEXT = 'http://schemas.xmlsoap.org/soap/actor/next';
export const ECP_NS = 'urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp';
export const PAOS_NS = 'urn:liberty:paos:2003-08';
export const BINDING_SOAP = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP';
export const BINDING_PAOS = 'urn:oasis:names:tc:SAML:2.0:bindings:PAOS';
/** The media type an ECP advertises in Accept, and an SP answers PAOS requests with. */
export const PAOS_MEDIA_TYPE = 'application/vnd.paos+xml';
