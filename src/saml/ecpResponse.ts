import { xmlAttr, xmlText } from './xmlText';
import { ECP_NS, SOAP11_ENV_NS, SOAP_ACTOR_NEXT } from './ecpNamespaces';
import type { SoapFaultCode } from './ecpError';

/**
 * The IdP's answer to an ECP (saml-ecp-v2.0 §2.3.4): a SOAP 1.1 envelope whose header carries
 * `ecp:Response` naming the AssertionConsumerServiceURL (mustUnderstand, for the next actor, i.e. the
 * ECP, which compares it with the SP's responseConsumerURL before forwarding), and whose body is the
 * signed samlp:Response exactly as built. The Response and the Assertion declare every namespace
 * they use, so their exclusive-C14N digests do not depend on this envelope.
 */
export function buildEcpResponseEnvelope(input: { assertionConsumerServiceUrl: string; samlResponseXml: string }): string {
  if (!input.samlResponseXml.startsWith('<samlp:Response ')) throw new Error('buildEcpResponseEnvelope: expects a samlp:Response without an XML declaration');
  return (
    `<S:Envelope xmlns:S="${SOAP11_ENV_NS}"><S:Header>` +
    `<ecp:Response xmlns:ecp="${ECP_NS}" AssertionConsumerServiceURL="${xmlAttr(input.assertionConsumerServiceUrl)}" ` +
    `S:actor="${SOAP_ACTOR_NEXT}" S:mustUnderstand="1"></ecp:Response>` +
    `</S:Header><S:Body>${input.samlResponseXml}</S:Body></S:Envelope>`
  );
}

/** A SOAP 1.1 Fault (SOAP 1.1 §4.4): faultcode qualified in the envelope namespace, a readable faultstring. */
export function buildSoapFault(code: SoapFaultCode, message: string): string {
  return (
    `<S:Envelope xmlns:S="${SOAP11_ENV_NS}"><S:Body><S:Fault>` +
    `<faultcode>S:${code}</faultcode><faultstring>${xmlText(message.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, ' '))}</faultstring>` +
    `</S:Fault></S:Body></S:Envelope>`
  );
}
