import { invalidIdentityToken, validationError } from './awsErrors';
import { ruleError, ruleWarning, type Finding } from './finding';

/** STS bounds for SAMLAssertion (P1; 50,000 before late 2019). */
export const MIN_SAML_ASSERTION_CHARS = 4;
export const MAX_SAML_ASSERTION_CHARS = 100_000;

export interface DecodedResponse {
  xml: string | null;
  findings: Finding[];
}

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Turns the SAMLResponse/SAMLAssertion value into the Response XML as STS does (P1, R5): standard
 * base64 (not URL-safe, not deflated) of UTF-8, at most 100,000 characters. Line breaks are tolerated
 * with a warning because some clients re-wrap the value.
 */
export function decodeSamlResponse(value: string): DecodedResponse {
  const findings: Finding[] = [];
  const stop = (rule: string, message: string, fix: string, aws = invalidIdentityToken('Invalid SAML response')): DecodedResponse => {
    findings.push(ruleError(rule, message, fix, aws));
    return { xml: null, findings };
  };
  if (value.length < MIN_SAML_ASSERTION_CHARS || value.length > MAX_SAML_ASSERTION_CHARS) {
    return stop(
      'P1',
      `The base64 SAML response is ${value.length.toLocaleString('en')} characters; STS accepts ${MIN_SAML_ASSERTION_CHARS}–${MAX_SAML_ASSERTION_CHARS.toLocaleString('en')}`,
      'Send fewer roles in one response (request a single role) or fewer attributes.',
      validationError(`1 validation error detected: Value at 'SAMLAssertion' failed to satisfy constraint: Member must have length ${value.length > MAX_SAML_ASSERTION_CHARS ? `less than or equal to ${MAX_SAML_ASSERTION_CHARS}` : `greater than or equal to ${MIN_SAML_ASSERTION_CHARS}`}`),
    );
  }
  let compact = value;
  if (/[\r\n]/.test(value)) {
    compact = value.replace(/\r?\n/g, '');
    findings.push(ruleWarning('R5', 'The base64 SAML response contains line breaks', 'Send base64 without line breaks; some clients do not strip them.'));
  }
  if (/[-_]/.test(compact) && !/[+/]/.test(compact)) {
    return stop('R5', 'The SAML response is URL-safe base64 (with - or _); AWS expects standard base64', 'Encode with the standard alphabet (+ and /), as the HTTP-POST binding requires (E1).');
  }
  if (!STANDARD_BASE64.test(compact) || compact.length % 4 !== 0) {
    return stop('R5', 'The SAML response is not valid base64', 'Send the Response as standard base64 of its UTF-8 bytes (E1). A "+" sent unencoded in a form body arrives as a space.');
  }
  const bytes = Buffer.from(compact, 'base64');
  let xml: string;
  try {
    // ignoreBOM keeps a BOM in the text, so the XML check refuses it (R5) instead of it vanishing here.
    xml = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return stop('R5', 'The decoded SAML response is not UTF-8 text (is it deflated?)', 'HTTP-POST carries the UTF-8 Response base64-encoded, not deflated (E1, R5).');
  }
  if (!/^\uFEFF?\s*</.test(xml)) {
    return stop('R5', 'The base64 SAML response does not decode to XML', 'Send the base64 of the samlp:Response document itself (E1).');
  }
  return { xml, findings };
}
