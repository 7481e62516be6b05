import { deflateRawSync } from 'node:zlib';
import { encodeQueryValue } from '../../saml/intake/bindingParameters';
import { ALG_RSA_SHA256, type EnvelopedSigner } from '../../saml/xmlDsig';

/** What the browser is told to do with an outgoing SAML message. */
export type OutgoingSaml =
  | { kind: 'post'; action: string; fields: Record<string, string> }
  | { kind: 'redirect'; url: string };

/** HTTP-POST binding (SAML bindings 3.5): an auto-submitting form carrying base64 of the (enveloped-signed) XML. */
export function postBinding(location: string, parameter: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | null): OutgoingSaml {
  const fields: Record<string, string> = { [parameter]: Buffer.from(xml, 'utf8').toString('base64') };
  if (relayState !== null) fields.RelayState = relayState;
  return { kind: 'post', action: location, fields };
}

/**
 * HTTP-Redirect binding (SAML bindings 3.4.4.1): DEFLATE, base64, URL-encode, then sign the octet
 * string SAMLRequest=…&RelayState=…&SigAlg=… with the IdP key. Values are encoded the way SPs
 * re-encode them when they verify (quote_plus), so raw-query and re-encoding verifiers both agree.
 */
export function redirectBinding(location: string, parameter: 'SAMLRequest' | 'SAMLResponse', unsignedXml: string, relayState: string | null, signer: EnvelopedSigner): OutgoingSaml {
  let query = `${parameter}=${encodeQueryValue(deflateRawSync(Buffer.from(unsignedXml, 'utf8')).toString('base64'))}`;
  if (relayState !== null) query += `&RelayState=${encodeQueryValue(relayState)}`;
  query += `&SigAlg=${encodeQueryValue(ALG_RSA_SHA256)}`;
  const { signature } = signer.signOctets(query);
  query += `&Signature=${encodeQueryValue(signature)}`;
  return { kind: 'redirect', url: location + (location.includes('?') ? '&' : '?') + query };
}
