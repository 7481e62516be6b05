import { parseArgs } from 'node:util';
import { AwsRuleError } from '../aws/awsRuleError';
import { parseRoleArn } from '../aws/arn';
import { defaultRoleTrust, judgeSamlResponse, partitionOf, readProviderMetadata, rolePairsOf, type AssumeRoleRequest, type Finding, type JudgeInput, type Judgement, type RoleTrust } from '../aws/rules';
import { MAX_SESSION_DURATION_SECONDS } from '../aws/sessionDuration';
import { CliError } from './cliError';
import { doctorJson, doctorText, summarize } from './doctorReport';
import { checkIdpUrl, metadataFrom, responseFromFile, responseFromIdp, responseFromText, type ResponseSource } from './doctorSources';
import { promptHidden, readStdin } from './prompt';

export const DOCTOR_USAGE = `  doctor (--response FILE|- | --response-b64 B64 | --from-idp URL --user U [--password-stdin] [--otp CODE])
         --metadata FILE|URL [--role ARN] [--provider-arn ARN] [--duration SECONDS]
         [--max-session-duration SECONDS] [--saml-aud URL|none ...] [--at TIME] [--json] [--strict]`;

const HELP = `usage: sesame doctor <response> [options]

Judges a SAML Response with the rules AWS applies (shared/aws-saml-rules.md) and lists every rule it
breaks, with the fix. Exit 0 when AWS would accept it, 1 when it would not, 2 on bad usage.

The response (one of):
  --response FILE            XML, its base64, or a copied form body "SAMLResponse=…" ("-" = stdin)
  --response-b64 B64         the SAMLResponse value itself
  --from-idp URL --user U    fetch a fresh response from a running Sesame for user U (JSON API);
                             the password from a terminal prompt or --password-stdin, --otp CODE
                             when the account has a second factor

The IAM side:
  --metadata FILE|URL        the IdP metadata uploaded to IAM (default with --from-idp: URL/saml/metadata)
  --role ARN                 judge an AssumeRoleWithSAML call for this role (and, with --from-idp, ask for it)
  --provider-arn ARN         PrincipalArn (default: the provider paired with --role in the Role attribute)
  --duration SECONDS         DurationSeconds of the call (default 3600)
  --max-session-duration S   the role's MaxSessionDuration (default 3600, IAM's default)
  --saml-aud URL             the role's trust condition SAML:aud, repeatable; "none" for no condition
                             (default: the partition's sign-in URL, as the IAM console writes it)

Output:
  --at TIME                  judge as of this time (ISO 8601) instead of now
  --json                     machine-readable report
  --strict                   exit 1 on warnings too`;

interface Io {
  out: (line: string) => void;
}

function wholeSeconds(value: string | undefined, flag: string, min: number, max: number): number | null {
  if (value === undefined) return null;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) throw new CliError(`${flag} must be a whole number of seconds from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return Number(value);
}

async function password(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const secret = await readStdin();
    if (secret === '') throw new CliError('--password-stdin: standard input was empty');
    return secret;
  }
  if (!process.stdin.isTTY) throw new CliError('--from-idp needs the password: no terminal to prompt on, so pass it on standard input with --password-stdin');
  return promptHidden('Password: ');
}

/** The provider ARN a doctor run judges with: --provider-arn, else the one paired with --role in the response. */
function principalFor(roleArn: string, given: string | undefined, judgement: Judgement): string {
  if (given) return given;
  const pairs = judgement.facts ? rolePairsOf(judgement.facts.assertion) : [];
  const paired = pairs.find((p) => p.roleArn === roleArn) ?? pairs.find((p) => parseRoleArn(p.roleArn).accountId === parseRoleArn(roleArn).accountId);
  if (paired) return paired.providerArn;
  const role = parseRoleArn(roleArn);
  return `arn:${role.partition}:iam::${role.accountId}:saml-provider/Sesame`;
}

async function run(argv: string[], io: Io): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        response: { type: 'string' },
        'response-b64': { type: 'string' },
        'from-idp': { type: 'string' },
        user: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        otp: { type: 'string' },
        metadata: { type: 'string' },
        role: { type: 'string' },
        'provider-arn': { type: 'string' },
        duration: { type: 'string' },
        'max-session-duration': { type: 'string' },
        'saml-aud': { type: 'string', multiple: true },
        at: { type: 'string' },
        json: { type: 'boolean' },
        strict: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const sources = ['response', 'response-b64', 'from-idp'].filter((k) => values[k] !== undefined);
  if (sources.length !== 1) throw new CliError(`give exactly one of --response, --response-b64 or --from-idp\n\n${HELP}`);
  const idp = values['from-idp'] as string | undefined;
  const roleArn = values.role as string | undefined;
  if (roleArn !== undefined) {
    try {
      parseRoleArn(roleArn);
    } catch (error) {
      if (error instanceof AwsRuleError) throw new CliError(`--role: ${error.message}`);
      throw error;
    }
  }
  const metadataLocation = (values.metadata as string | undefined) ?? (idp ? `${idp.replace(/\/+$/, '')}/saml/metadata` : undefined);
  if (metadataLocation === undefined) throw new CliError('--metadata FILE|URL is required: the IdP metadata uploaded to IAM holds the certificates the signature is checked with');
  const duration = wholeSeconds(values.duration as string | undefined, '--duration', 0, 10 ** 9);
  const maxSessionDuration = wholeSeconds(values['max-session-duration'] as string | undefined, '--max-session-duration', 3600, MAX_SESSION_DURATION_SECONDS);
  const now = values.at === undefined ? new Date() : new Date(values.at as string);
  if (Number.isNaN(now.getTime())) throw new CliError(`--at ${JSON.stringify(values.at)} is not a date and time (ISO 8601, e.g. 2026-11-24T10:00:00Z)`);

  let source: ResponseSource;
  if (values.response !== undefined) source = await responseFromFile(values.response as string);
  else if (values['response-b64'] !== undefined) source = responseFromText(values['response-b64'] as string, 'the --response-b64 value');
  else {
    if (typeof values.user !== 'string' || values.user === '') throw new CliError('--from-idp needs --user NAME');
    checkIdpUrl(idp!.replace(/\/+$/, ''));
    const secret = await password(values['password-stdin'] === true);
    source = await responseFromIdp(idp!, { username: values.user, password: secret, otp: values.otp as string | undefined, interactive: process.stdin.isTTY === true }, roleArn);
  }
  const metadata = await metadataFrom(metadataLocation);

  const reading = readProviderMetadata(metadata.xml, now);
  const metadataFindings: Finding[] = reading.findings;
  if (reading.provider === null) {
    const judgement: Judgement = { accepted: false, findings: [], rejection: reading.findings[0]?.awsError ?? null, facts: null, session: null };
    io.out(values.json ? doctorJson(judgement, null, metadataFindings, roleArn ?? null) : `IAM would refuse the metadata ${metadata.description}, so no response can be judged against it.\n\n${doctorText(judgement, null, metadataFindings, roleArn ?? null, now)}`);
    return 1;
  }

  const base: JudgeInput = { ...source, provider: reading.provider, now, diagnose: true };
  // First pass: the response alone, to learn its partition and role pairs.
  let judgement = judgeSamlResponse(base);
  let request: AssumeRoleRequest | null = null;
  if (roleArn !== undefined) request = { roleArn, principalArn: principalFor(roleArn, values['provider-arn'] as string | undefined, judgement), durationSeconds: duration };
  if (judgement.facts !== null) {
    const partition = partitionOf(null, request, judgement.facts);
    const role: RoleTrust = { ...defaultRoleTrust(partition) };
    if (maxSessionDuration !== null) role.maxSessionDuration = maxSessionDuration;
    const audValues = values['saml-aud'] as string[] | undefined;
    if (audValues !== undefined) role.samlAud = audValues.includes('none') ? [] : audValues;
    judgement = judgeSamlResponse({ ...base, request, role, providerArn: request?.principalArn ?? null });
  }
  const summary = summarize(judgement.facts, source.description);
  io.out(values.json ? doctorJson(judgement, summary, metadataFindings, roleArn ?? null) : doctorText(judgement, summary, metadataFindings, roleArn ?? null, now));
  const warnings = [...metadataFindings, ...judgement.findings].some((f) => f.severity === 'warning');
  return judgement.accepted && !(values.strict && warnings) ? 0 : 1;
}

/**
 * `sesame doctor`: lists every aws-saml-rules.md rule a SAML Response breaks, in plain words with the
 * fix, using the same rule set as the STS emulator. Exit 0 only when AWS would accept it.
 */
export async function runDoctor(argv: string[], io: Io = { out: (line) => process.stdout.write(line + '\n') }): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`sesame doctor: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`sesame doctor: ${(error as Error).message}\n`);
    return 1;
  }
}
