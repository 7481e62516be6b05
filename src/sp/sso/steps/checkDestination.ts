import { SamlIntakeError } from '../../../saml/intake/samlIntakeError';

/**
 * Destination must name this endpoint when present, and must be present on a signed message
 * (SAML bindings 3.4.5.2, 3.5.5.2): a message signed for another IdP is not replayed here.
 */
export function checkDestination(destination: string | null, endpointUrl: string, signed: boolean): void {
  if (destination === null) {
    if (signed) throw new SamlIntakeError('request.destination', `The signed message has no Destination; it must name ${endpointUrl}.`);
    return;
  }
  if (destination !== endpointUrl) {
    throw new SamlIntakeError('request.destination', `The message is addressed to ${JSON.stringify(destination.slice(0, 200))}, not to this endpoint (${endpointUrl}).`);
  }
}
