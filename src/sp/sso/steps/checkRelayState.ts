import { SamlIntakeError } from '../../../saml/intake/samlIntakeError';

/**
 * RelayState is the SP's own opaque value: carried back unchanged to the SP's registered ACS and
 * never used by Sesame as an address. It is bounded in size and must be printable text.
 */
export function checkRelayState(relayState: string | undefined, maxBytes: number): string | null {
  if (relayState === undefined) return null;
  if (Buffer.byteLength(relayState, 'utf8') > maxBytes) {
    throw new SamlIntakeError('request.relaystate', `RelayState is longer than ${maxBytes} bytes (SAML bindings 3.4.3 asks for 80).`, 413);
  }
  if (/[\u0000-\u001f\u007f]/.test(relayState)) throw new SamlIntakeError('request.relaystate', 'RelayState contains control characters.');
  return relayState;
}
