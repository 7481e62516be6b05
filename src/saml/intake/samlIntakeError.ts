/**
 * A SAML message Sesame refuses. `rule` is a stable id quoted on the error page, in the audit log
 * and in test names (docs/ARCHITECTURE.md lists them); the message says what was wrong and, where
 * an admin can act, what to fix. Nothing is ever issued for a message that raised one.
 */
export class SamlIntakeError extends Error {
  constructor(
    readonly rule: string,
    message: string,
    /** HTTP status of the error page: 400 for a bad message, 403 for a refused sender, 413 for size. */
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'SamlIntakeError';
  }
}

/** Intake rule ids: what each check is called wherever it is reported. */
export const INTAKE_RULES = {
  size: 'intake.size',
  encoding: 'intake.encoding',
  inflate: 'intake.inflate',
  params: 'intake.params',
  doctype: 'intake.doctype',
  entity: 'intake.entity',
  processingInstruction: 'intake.pi',
  comment: 'intake.comment',
  cdata: 'intake.cdata',
  parse: 'intake.parse',
  shape: 'intake.shape',
  /** Refused by the pre-parse scan (scanXmlStructure): nesting, attributes, namespace declarations. */
  depth: 'intake.depth',
  attributes: 'intake.attributes',
  namespaces: 'intake.namespaces',
  /** A character XML 1.0 forbids (or we never emit: NEL, LS), arrived as a character reference. */
  chars: 'intake.chars',
  signatureMissing: 'signature.missing',
  signatureCount: 'signature.count',
  signatureReference: 'signature.reference',
  signatureAlgorithm: 'signature.algorithm',
  signatureInvalid: 'signature.invalid',
  signatureUntrusted: 'signature.untrusted',
} as const;
