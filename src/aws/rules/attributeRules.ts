import { AwsRuleError } from '../awsRuleError';
import { checkRoleProviderPair } from '../arn';
import { ROLE_SESSION_NAME_PATTERN } from '../roleSessionName';
import { MAX_SESSION_DURATION_SECONDS, MIN_SESSION_DURATION_SECONDS } from '../sessionDuration';
import {
  AWS_ATTRIBUTE_PREFIX,
  AWS_PRINCIPAL_TAG_PREFIX,
  AWS_ROLE_ATTRIBUTE,
  AWS_ROLE_SESSION_NAME_ATTRIBUTE,
  AWS_SESSION_DURATION_ATTRIBUTE,
  AWS_SOURCE_IDENTITY_ATTRIBUTE,
  AWS_TRANSITIVE_TAG_KEYS_ATTRIBUTE,
} from './awsAttributes';
import { ROLE_SESSION_NAME_PATTERN_MESSAGE, ROLE_SESSION_NAME_REQUIRED, SOURCE_IDENTITY_PATTERN_MESSAGE, invalidIdentityToken } from './awsErrors';
import { ruleError, ruleWarning, type Finding } from './finding';
import { attributeValues, type AssertionFacts } from './responseFacts';
import type { AwsSamlRule } from './ruleContext';

const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const KNOWN_NAME_FORMATS = [URI_FORMAT, 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified'];

/** One value of the Role attribute, understood (A1). */
export interface RolePair {
  roleArn: string;
  providerArn: string;
  /** The provider ARN came first: AWS accepts it, some clients do not. */
  providerFirst: boolean;
  /** Whitespace around an ARN, which AWS may trim but aws-adfs and gimme-aws-creds do not. */
  padded: boolean;
}

/** Splits `roleArn,providerArn` (either order) and checks both ARNs; returns the problem as text when it cannot. */
export function parseRolePair(value: string): RolePair | { problem: string; rule: string } {
  const parts = value.split(',');
  if (parts.length !== 2) return { rule: 'A1', problem: `has ${parts.length} comma-separated parts; a value is "roleArn,providerArn"` };
  const trimmed = parts.map((p) => p.trim()) as [string, string];
  const isProvider = trimmed.map((p) => p.includes(':saml-provider/'));
  const isRole = trimmed.map((p) => p.includes(':role/'));
  let roleIndex: number;
  if (isRole[0] && isProvider[1]) roleIndex = 0;
  else if (isRole[1] && isProvider[0]) roleIndex = 1;
  else return { rule: 'A1', problem: 'does not pair one role ARN (…:role/…) with one SAML provider ARN (…:saml-provider/…)' };
  const roleArn = trimmed[roleIndex]!;
  const providerArn = trimmed[1 - roleIndex]!;
  try {
    checkRoleProviderPair(roleArn, providerArn);
  } catch (error) {
    if (error instanceof AwsRuleError) return { rule: error.rule, problem: `is invalid: ${error.message.slice(error.rule.length + 2)}` };
    throw error;
  }
  return { roleArn, providerArn, providerFirst: roleIndex === 1, padded: trimmed[0] !== parts[0] || trimmed[1] !== parts[1] };
}

export function isRolePair(value: ReturnType<typeof parseRolePair>): value is RolePair {
  return 'roleArn' in value;
}

/** The valid role pairs of a response. */
export function rolePairsOf(facts: AssertionFacts): RolePair[] {
  return (attributeValues(facts, AWS_ROLE_ATTRIBUTE) ?? []).map(parseRolePair).filter(isRolePair);
}

const malformedResponse = () => invalidIdentityToken('Invalid SAML response: Role attribute');

export const roleAttributeRule: AwsSamlRule = {
  id: 'A1',
  title: 'Role attribute: roleArn,providerArn pairs',
  check({ facts }) {
    const attributes = facts.assertion.attributes.filter((a) => a.name === AWS_ROLE_ATTRIBUTE);
    if (attributes.length === 0) {
      return [ruleError('A1', `The response has no ${AWS_ROLE_ATTRIBUTE} attribute (the name is case-sensitive)`, 'Grant the user at least one AWS role (sesame grant add) so the Role attribute is sent.', malformedResponse())];
    }
    const findings: Finding[] = [];
    if (attributes.length > 1) {
      findings.push(ruleWarning('A1', `The Role attribute appears ${attributes.length} times`, 'Send one Role attribute with one AttributeValue per role: clients read only the first.'));
    }
    const values = attributes.flatMap((a) => a.values);
    if (values.length === 0) findings.push(ruleError('A1', 'The Role attribute has no value', 'Send one AttributeValue per granted role.', malformedResponse()));
    const seen = new Set<string>();
    for (const value of values) {
      const pair = parseRolePair(value);
      if (!isRolePair(pair)) {
        findings.push(ruleError(pair.rule, `Role value ${JSON.stringify(value)} ${pair.problem}`, 'Send "arn:aws:iam::<account>:role/<name>,arn:aws:iam::<account>:saml-provider/<name>", no spaces, both in the same account.', malformedResponse()));
        continue;
      }
      const key = `${pair.roleArn},${pair.providerArn}`;
      if (seen.has(key)) findings.push(ruleWarning('A1', `Role pair ${JSON.stringify(key)} is sent twice`, 'Send each role once.'));
      seen.add(key);
      if (pair.providerFirst) findings.push(ruleWarning('A1', `Role value ${JSON.stringify(value)} puts the provider ARN first`, 'Put the role ARN first, as AWS documents: onelogin-aws-cli and moto only read that order.'));
      if (pair.padded) findings.push(ruleWarning('A1', `Role value ${JSON.stringify(value)} has spaces around an ARN`, 'Remove the spaces: aws-adfs and gimme-aws-creds split on "," without trimming and send a broken ARN to STS.'));
    }
    return findings;
  },
};

export const roleSessionNameRule: AwsSamlRule = {
  id: 'A2',
  title: 'RoleSessionName: one value matching [a-zA-Z_0-9+=,.@-]{2,64}',
  check({ facts }) {
    const values = attributeValues(facts.assertion, AWS_ROLE_SESSION_NAME_ATTRIBUTE);
    const fix = 'Send the user id or email, mapped into [A-Za-z0-9_+=,.@-] and at most 64 characters (Sesame\'s RoleSessionName mapper does this).';
    if (values === null || values.length === 0) {
      return [ruleError('A2', `The response has no ${AWS_ROLE_SESSION_NAME_ATTRIBUTE} attribute`, fix, invalidIdentityToken(ROLE_SESSION_NAME_REQUIRED))];
    }
    if (values.length !== 1) {
      return [ruleError('A2', `RoleSessionName has ${values.length} values; AWS expects exactly one`, fix, invalidIdentityToken(ROLE_SESSION_NAME_PATTERN_MESSAGE))];
    }
    if (!ROLE_SESSION_NAME_PATTERN.test(values[0]!)) {
      return [ruleError('A2', `RoleSessionName is ${JSON.stringify(values[0])}; it must match [a-zA-Z_0-9+=,.@-]{2,64}`, fix, invalidIdentityToken(ROLE_SESSION_NAME_PATTERN_MESSAGE))];
    }
    return [];
  },
};

/** The SessionDuration the response asks for, when present and valid (A3). */
export function sessionDurationOf(facts: AssertionFacts): number | null {
  const values = attributeValues(facts, AWS_SESSION_DURATION_ATTRIBUTE);
  if (values === null || values.length !== 1 || !/^[0-9]{1,6}$/.test(values[0]!)) return null;
  const seconds = Number(values[0]);
  return seconds >= MIN_SESSION_DURATION_SECONDS && seconds <= MAX_SESSION_DURATION_SECONDS ? seconds : null;
}

export const sessionDurationRule: AwsSamlRule = {
  id: 'A3',
  title: 'SessionDuration: one integer, 900–43200',
  check({ facts, role }) {
    const values = attributeValues(facts.assertion, AWS_SESSION_DURATION_ATTRIBUTE);
    if (values === null) return [];
    const fix = `Grant a duration between ${MIN_SESSION_DURATION_SECONDS} and ${MAX_SESSION_DURATION_SECONDS} seconds (sesame grant add --duration).`;
    // AWS's behaviour for an invalid value is unconfirmed (rules §12.8): refusing is our choice.
    if (values.length !== 1 || sessionDurationOf(facts.assertion) === null) {
      return [ruleError('A3', `SessionDuration is ${values.map((v) => JSON.stringify(v)).join(', ')}; it must be one integer from ${MIN_SESSION_DURATION_SECONDS} to ${MAX_SESSION_DURATION_SECONDS}`, fix, invalidIdentityToken(`SessionDuration in AuthnResponse must be an integer between ${MIN_SESSION_DURATION_SECONDS} and ${MAX_SESSION_DURATION_SECONDS}`))];
    }
    const seconds = Number(values[0]);
    if (role !== null && seconds > role.maxSessionDuration) {
      return [ruleWarning('A3', `SessionDuration is ${seconds} s but the role's MaxSessionDuration is ${role.maxSessionDuration} s`, `CLI helpers that copy SessionDuration into DurationSeconds (gsts, samltoawsstskeys) get ValidationError: raise the role's maximum session duration to ${seconds} or grant at most ${role.maxSessionDuration} s.`)];
    }
    return [];
  },
};

export const sourceIdentityRule: AwsSamlRule = {
  id: 'A4',
  title: 'SourceIdentity: one value, [a-zA-Z_0-9+=,.@-]{2,64}, not aws:',
  check({ facts }) {
    const values = attributeValues(facts.assertion, AWS_SOURCE_IDENTITY_ATTRIBUTE);
    if (values === null) return [];
    const value = values[0] ?? '';
    if (values.length !== 1 || !ROLE_SESSION_NAME_PATTERN.test(value) || value.toLowerCase().startsWith('aws:')) {
      return [ruleError('A4', `SourceIdentity is ${values.map((v) => JSON.stringify(v)).join(', ')}; it must be one value matching [a-zA-Z_0-9+=,.@-]{2,64}, not starting with "aws:"`, 'Send a stable user identifier such as the username.', invalidIdentityToken(SOURCE_IDENTITY_PATTERN_MESSAGE))];
    }
    return [];
  },
};

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_SESSION_TAGS = 50;

/** The session tags a response sends (A5), as key → value; keys keep their spelling. */
export function sessionTagsOf(facts: AssertionFacts): Array<{ key: string; value: string }> {
  return facts.attributes
    .filter((a) => a.name.startsWith(AWS_PRINCIPAL_TAG_PREFIX) && a.values.length === 1)
    .map((a) => ({ key: a.name.slice(AWS_PRINCIPAL_TAG_PREFIX.length), value: a.values[0]! }));
}

export const sessionTagsRule: AwsSamlRule = {
  id: 'A5',
  title: 'PrincipalTag:<Key> session tags',
  check({ facts }) {
    const tags = facts.assertion.attributes.filter((a) => a.name.startsWith(AWS_PRINCIPAL_TAG_PREFIX));
    const findings: Finding[] = [];
    const bad = (message: string) => findings.push(ruleError('A5', message, 'Send at most 50 tags, one value each; keys 1–128 and values 0–256 characters of letters, digits, spaces and _ . : / = + - @; no "aws:" keys.', invalidIdentityToken(`Invalid session tag in AuthnResponse: ${message}`)));
    if (tags.length > MAX_SESSION_TAGS) bad(`${tags.length} session tags; AWS accepts at most ${MAX_SESSION_TAGS}`);
    const keys = new Set<string>();
    for (const tag of tags) {
      const key = tag.name.slice(AWS_PRINCIPAL_TAG_PREFIX.length);
      if (tag.values.length !== 1) bad(`tag ${JSON.stringify(key)} has ${tag.values.length} values; session tags are single-valued`);
      if (key.length < 1 || key.length > 128 || !TAG_CHARS.test(key)) bad(`tag key ${JSON.stringify(key)} is not 1–128 allowed characters`);
      if (key.toLowerCase().startsWith('aws:')) bad(`tag key ${JSON.stringify(key)} starts with "aws:"`);
      const value = tag.values[0] ?? '';
      if (value.length > 256 || !TAG_CHARS.test(value)) bad(`tag ${JSON.stringify(key)} has a value that is not 0–256 allowed characters`);
      // Tag keys are case-insensitive for uniqueness (A5: "regardless of case").
      if (keys.has(key.toLowerCase())) bad(`tag key ${JSON.stringify(key)} is sent twice (keys are case-insensitive)`);
      keys.add(key.toLowerCase());
    }
    return findings;
  },
};

export const transitiveTagKeysRule: AwsSamlRule = {
  id: 'A6',
  title: 'TransitiveTagKeys name tags that are sent',
  check({ facts }) {
    const values = attributeValues(facts.assertion, AWS_TRANSITIVE_TAG_KEYS_ATTRIBUTE);
    if (values === null) return [];
    const sent = new Set(sessionTagsOf(facts.assertion).map((t) => t.key.toLowerCase()));
    return values
      .filter((key) => !sent.has(key.toLowerCase()))
      .map((key) => ruleError('A6', `TransitiveTagKeys names ${JSON.stringify(key)}, but no PrincipalTag:${key} attribute is sent`, 'List only keys that the response also sends as PrincipalTag attributes.', invalidIdentityToken(`TransitiveTagKeys in AuthnResponse names a tag that is not sent: ${key}`)));
  },
};

const KNOWN_AWS_NAMES = [AWS_ROLE_ATTRIBUTE, AWS_ROLE_SESSION_NAME_ATTRIBUTE, AWS_SESSION_DURATION_ATTRIBUTE, AWS_SOURCE_IDENTITY_ATTRIBUTE, AWS_TRANSITIVE_TAG_KEYS_ATTRIBUTE];

/** A7/A8 and §3: attribute names AWS would silently ignore, duplicates, unusual NameFormats. */
export const attributeHygieneRule: AwsSamlRule = {
  id: 'A8',
  title: 'Attribute names and formats AWS can read',
  check({ facts }) {
    const findings: Finding[] = [];
    const counts = new Map<string, number>();
    for (const attribute of facts.assertion.attributes) {
      counts.set(attribute.name, (counts.get(attribute.name) ?? 0) + 1);
      const lower = attribute.name.toLowerCase();
      if (lower.startsWith(AWS_ATTRIBUTE_PREFIX.toLowerCase()) && !KNOWN_AWS_NAMES.includes(attribute.name) && !attribute.name.startsWith(AWS_PRINCIPAL_TAG_PREFIX)) {
        const meant = KNOWN_AWS_NAMES.find((n) => n.toLowerCase() === lower) ?? (lower.startsWith(AWS_PRINCIPAL_TAG_PREFIX.toLowerCase()) ? `${AWS_PRINCIPAL_TAG_PREFIX}…` : null);
        findings.push(ruleWarning('A8', `Attribute ${JSON.stringify(attribute.name)} is not an AWS attribute name${meant ? `; did you mean ${meant}? Names are case-sensitive` : ''}`, 'Use the exact names of aws-saml-rules.md §3; AWS ignores any other spelling.'));
      }
      if (attribute.nameFormat !== null && !KNOWN_NAME_FORMATS.includes(attribute.nameFormat)) {
        findings.push(ruleWarning('A8', `Attribute ${JSON.stringify(attribute.name)} has NameFormat ${JSON.stringify(attribute.nameFormat)}`, `Use ${URI_FORMAT}.`));
      }
    }
    for (const [name, count] of counts) {
      if (count > 1 && name !== AWS_ROLE_ATTRIBUTE) findings.push(ruleWarning('A7', `Attribute ${JSON.stringify(name)} is sent in ${count} Attribute elements`, 'Send each attribute once: AWS maps only one claim per key.'));
    }
    return findings;
  },
};
