import type { Finding, Judgement, ResponseFacts } from '../aws/rules';
import { rolePairsOf, sessionDurationOf } from '../aws/rules';

/** What the doctor prints about a response besides the findings: the values the rules judged. */
export interface ResponseSummary {
  source: string;
  issuer: string | null;
  nameId: string | null;
  nameIdFormat: string | null;
  destination: string | null;
  recipient: string | null;
  audiences: string[];
  issueInstant: string | null;
  notOnOrAfter: string | null;
  roles: Array<{ roleArn: string; providerArn: string }>;
  sessionDuration: number | null;
  /** Whether the values above come from verified signed content. */
  verified: boolean;
  responseSigned: boolean;
}

export function summarize(facts: ResponseFacts | null, source: string): ResponseSummary | null {
  if (facts === null) return null;
  const { response, assertion } = facts;
  const data = assertion.subjectConfirmations[0]?.data[0];
  return {
    source,
    issuer: assertion.issuers[0]?.value ?? null,
    nameId: assertion.nameIds[0]?.value ?? null,
    nameIdFormat: assertion.nameIds[0]?.format ?? null,
    destination: response.destination,
    recipient: data?.recipient ?? null,
    audiences: assertion.conditions.flatMap((c) => c.audienceRestrictions.flat()),
    issueInstant: assertion.issueInstant,
    notOnOrAfter: data?.notOnOrAfter ?? assertion.conditions[0]?.notOnOrAfter ?? null,
    roles: rolePairsOf(assertion).map(({ roleArn, providerArn }) => ({ roleArn, providerArn })),
    sessionDuration: sessionDurationOf(assertion),
    verified: facts.trusted,
    responseSigned: response.signed,
  };
}

/** The --json document: stable field names for scripts and CI. */
export function doctorJson(judgement: Judgement, summary: ResponseSummary | null, metadataFindings: Finding[], roleArn: string | null): string {
  return JSON.stringify(
    {
      accepted: judgement.accepted,
      role: roleArn,
      awsAnswer: judgement.rejection,
      findings: [...metadataFindings, ...judgement.findings],
      response: summary,
      session: judgement.session
        ? { assumedRoleArn: judgement.session.assumedRoleArn, lifetimeSeconds: judgement.session.lifetimeSeconds, subject: judgement.session.subject, subjectType: judgement.session.subjectType, audience: judgement.session.audience, nameQualifier: judgement.session.nameQualifier }
        : null,
    },
    null,
    2,
  );
}

function indent(text: string, by: string): string {
  return text.replace(/\n/g, `\n${by}`);
}

function formatFinding(finding: Finding): string[] {
  const label = finding.severity === 'error' ? 'ERROR' : 'WARN ';
  const pad = ' '.repeat(label.length + 1 + Math.max(4, finding.rule.length) + 1);
  const lines = [`${label} ${finding.rule.padEnd(4)} ${indent(finding.message, pad)}`, `${pad}fix: ${indent(finding.fix, pad + '     ')}`];
  if (finding.awsError) lines.push(`${pad}AWS answers ${finding.awsError.code} (HTTP ${finding.awsError.httpStatus}): ${finding.awsError.message}`);
  return lines;
}

/** The plain-text report: what was judged, the verdict in one line, then every finding with its fix. */
export function doctorText(judgement: Judgement, summary: ResponseSummary | null, metadataFindings: Finding[], roleArn: string | null, now: Date): string {
  const lines: string[] = [];
  if (summary) {
    const ago = summary.issueInstant ? Math.round((now.getTime() - Date.parse(summary.issueInstant)) / 1000) : null;
    lines.push(`SAML response from ${summary.source}`);
    const row = (name: string, value: string | null) => lines.push(`  ${name.padEnd(12)}${value ?? '(none)'}`);
    row('Issuer', summary.issuer);
    row('NameID', summary.nameId === null ? null : `${summary.nameId}${summary.nameIdFormat ? ` (${summary.nameIdFormat.split(':').pop()})` : ''}`);
    row('Recipient', summary.recipient);
    row('Audience', summary.audiences.join(', ') || null);
    row('Issued', summary.issueInstant === null ? null : `${summary.issueInstant}${ago === null || Number.isNaN(ago) ? '' : ` (${ago} s ago)`}`);
    row('Valid until', summary.notOnOrAfter);
    row('Roles', summary.roles.length === 0 ? null : summary.roles.map((r) => r.roleArn).join('\n' + ' '.repeat(14)));
    row('Duration', summary.sessionDuration === null ? null : `${summary.sessionDuration} s`);
    row('Signatures', summary.verified ? `Assertion verified${summary.responseSigned ? ', Response verified' : ''}` : 'NOT verified: the values above are read from unverified content');
    lines.push('');
  }
  const target = roleArn ? ` for role ${roleArn}` : '';
  if (judgement.accepted) {
    const session = judgement.session;
    lines.push(session ? `AWS would accept this response${target}: credentials for ${session.lifetimeSeconds} s as ${session.assumedRoleArn}.` : `AWS would accept this response${target}.`);
  } else {
    const answer = judgement.rejection;
    lines.push(`AWS would REJECT this response${target}${answer ? `: STS answers ${answer.code} (HTTP ${answer.httpStatus}) "${answer.message}"` : ''}.`);
  }
  const findings = [...metadataFindings, ...judgement.findings];
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  if (findings.length > 0) {
    lines.push(`${errors} broken rule${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}:`, '');
    for (const finding of [...findings.filter((f) => f.severity === 'error'), ...findings.filter((f) => f.severity === 'warning')]) lines.push(...formatFinding(finding));
  }
  return lines.join('\n');
}
