import { readSamlParameters, type SamlParameters } from '../../../saml/intake/bindingParameters';
import { decodePostMessage, decodeRedirectMessage } from '../../../saml/intake/decodeSamlMessage';
import { parseSamlXml } from '../../../saml/intake/parseSamlXml';
import { INTAKE_RULES, SamlIntakeError } from '../../../saml/intake/samlIntakeError';
import type { IncomingSaml } from '../ssoTypes';

export interface ReceivedMessage {
  binding: 'redirect' | 'post';
  parameter: 'SAMLRequest' | 'SAMLResponse';
  params: SamlParameters;
  xml: string;
  doc: Document;
}

/**
 * Step 1 of every SAML endpoint: strict parameters (no encoded or repeated names), the binding's
 * decoding (bounded inflate for Redirect), then the hardened parser. Nothing is trusted yet.
 */
export function receiveMessage(incoming: IncomingSaml, accepted: ReadonlyArray<'SAMLRequest' | 'SAMLResponse'>): ReceivedMessage {
  const params = readSamlParameters(incoming.raw);
  const present = accepted.filter((name) => params[name] !== undefined);
  if (present.length === 0) throw new SamlIntakeError(INTAKE_RULES.params, `The request carries no ${accepted.join(' or ')}.`);
  if (params.SAMLRequest && params.SAMLResponse) throw new SamlIntakeError(INTAKE_RULES.params, 'The request carries both SAMLRequest and SAMLResponse.');
  const parameter = present[0]!;
  if (incoming.binding === 'post' && (params.Signature || params.SigAlg)) {
    throw new SamlIntakeError(INTAKE_RULES.params, 'An HTTP-POST message carries its signature inside the XML, not as Signature/SigAlg fields.');
  }
  const value = params[parameter]!.value;
  const xml = incoming.binding === 'redirect' ? decodeRedirectMessage(value, parameter) : decodePostMessage(value, parameter);
  const doc = parseSamlXml(xml);
  return { binding: incoming.binding, parameter, params, xml, doc };
}
