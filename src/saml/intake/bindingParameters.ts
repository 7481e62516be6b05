import { INTAKE_LIMITS } from './intakeLimits';
import { INTAKE_RULES, SamlIntakeError } from './samlIntakeError';

/** One form or query parameter: the bytes as they arrived (for Redirect signatures) and the decoded value. */
export interface RawParameter {
  raw: string;
  value: string;
}

export const SAML_PARAMETER_NAMES = ['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature'] as const;
export type SamlParameterName = (typeof SAML_PARAMETER_NAMES)[number];
export type SamlParameters = Partial<Record<SamlParameterName, RawParameter>>;

function formDecode(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new SamlIntakeError(INTAKE_RULES.params, `The ${name} parameter is not valid percent-encoding.`);
  }
}

/**
 * Reads the SAML parameters from a raw query string or application/x-www-form-urlencoded body.
 * Express, qs and URLSearchParams all percent-decode parameter NAMES and merge repeats, so a
 * signature computed over one "SAMLRequest" can be checked while another is consumed (Keycloak
 * CVE-2026-117691, SimpleSAMLphp CVE-2025-27773, security-notes §2.5). Here a name must be plain
 * letters as sent, and each SAML parameter may appear once; anything else is refused.
 */
export function readSamlParameters(rawInput: string): SamlParameters {
  if (Buffer.byteLength(rawInput, 'utf8') > INTAKE_LIMITS.maxRawBytes) {
    throw new SamlIntakeError(INTAKE_RULES.size, `The request is larger than ${INTAKE_LIMITS.maxRawBytes} bytes.`, 413);
  }
  const out: SamlParameters = {};
  if (rawInput === '') return out;
  for (const piece of rawInput.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq === -1 ? piece : piece.slice(0, eq);
    const raw = eq === -1 ? '' : piece.slice(eq + 1);
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) {
      throw new SamlIntakeError(INTAKE_RULES.params, 'A parameter name is encoded or malformed; SAML parameter names must be sent as plain text.');
    }
    if (!(SAML_PARAMETER_NAMES as readonly string[]).includes(name)) {
      // A differently-cased SAML name would be a second, ambiguous copy.
      if ((SAML_PARAMETER_NAMES as readonly string[]).some((known) => known.toLowerCase() === name.toLowerCase())) {
        throw new SamlIntakeError(INTAKE_RULES.params, `The parameter "${name}" differs from a SAML parameter name only in case.`);
      }
      continue;
    }
    const key = name as SamlParameterName;
    if (out[key]) throw new SamlIntakeError(INTAKE_RULES.params, `The ${name} parameter appears more than once.`);
    out[key] = { raw, value: formDecode(raw, name) };
  }
  return out;
}

/** The raw query string of a request URL (everything after the first "?"), or "". */
export function rawQueryOf(originalUrl: string): string {
  const q = originalUrl.indexOf('?');
  return q === -1 ? '' : originalUrl.slice(q + 1);
}

/**
 * Encodes a parameter value the way Python's quote_plus and PHP's urlencode do (everything but
 * A-Z a-z 0-9 _ . - ~ percent-encoded, space as "+"), so SPs that rebuild the signed octet string
 * from decoded values (python-saml, pysaml2) arrive at the bytes we signed.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}
