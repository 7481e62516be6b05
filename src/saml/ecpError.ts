/**
 * Why an ECP exchange was refused, as a SOAP 1.1 fault (saml-bindings-2.0 §3.2.3.3): `Client` when
 * the request is at fault, `VersionMismatch` for a non-SOAP-1.1 envelope, `MustUnderstand` for a
 * mandatory header we do not process, `Server` when we are. `httpStatus` follows SOAP 1.1 §6.2
 * (500 with a fault) except where HTTP itself has the better answer (401, 403, 413, 415, 429).
 */
export type SoapFaultCode = 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand';

export class EcpError extends Error {
  constructor(
    readonly faultCode: SoapFaultCode,
    message: string,
    readonly httpStatus = 500,
    /** The rule or spec section quoted to the reader, e.g. "saml-ecp-v2.0 §2.3.3". */
    readonly rule?: string,
    /** For a lockout (429): when the client may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'EcpError';
  }
}
