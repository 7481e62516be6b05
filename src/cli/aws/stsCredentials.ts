import { SesameAwsError } from './sesameAwsError';

/** Temporary credentials, named as the credential_process JSON names them (C4). */
export interface AwsCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  /** ISO 8601 with Z. */
  Expiration: string;
}

export interface AssumedRole {
  credentials: AwsCredentials;
  assumedRoleArn: string;
}

export interface AssumeRoleWithSamlInput {
  region: string;
  /** Overrides the SDK's regional endpoint (https://sts.<region>.amazonaws.com). */
  endpoint?: string;
  roleArn: string;
  principalArn: string;
  samlAssertion: string;
  durationSeconds?: number;
}

/** What to do about each STS error code (P3, §11 failure catalogue of aws-saml-rules.md). */
const HINTS: Record<string, string> = {
  InvalidIdentityToken: 'the assertion failed validation; if it says "Response signature invalid", upload Sesame\'s current metadata to the IAM SAML provider (S5)',
  ExpiredTokenException: 'the assertion expired before STS saw it; check this machine\'s clock (T2, T3)',
  ExpiredToken: 'the assertion expired before STS saw it; check this machine\'s clock (T2, T3)',
  AccessDenied: 'the role\'s trust policy does not accept this assertion: check that it trusts the SAML provider and that SAML:aud matches Sesame\'s sign-in URL (TP1, TP2)',
  ValidationError: 'if DurationSeconds is above the role\'s maximum session duration, pass a smaller --duration or raise the role\'s MaxSessionDuration (A3, T6)',
  IDPRejectedClaim: 'STS rejected a claim of the assertion',
  RegionDisabledException: 'STS is not activated in that region for the account: pick another --region',
};

/**
 * Calls STS AssumeRoleWithSAML with the AWS SDK. The call is unsigned (P1), so the SDK never looks
 * for AWS credentials; that matters because sesame-aws itself runs as a credential_process and must
 * not recurse into the profile it serves. One attempt, bounded timeouts: a dead endpoint is an error
 * within seconds.
 */
export async function stsClientFor(input: { region: string; endpoint?: string }) {
  // Loaded on first use: a cached credential_process answer should not pay for the SDK's start-up.
  const { STSClient } = await import('@aws-sdk/client-sts');
  // Without an endpoint the SDK uses the regional one, https://sts.<region>.amazonaws.com (.com.cn in China).
  return new STSClient({
    region: input.region,
    endpoint: input.endpoint,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
  });
}

export async function assumeRoleWithSaml(input: AssumeRoleWithSamlInput): Promise<AssumedRole> {
  const { AssumeRoleWithSAMLCommand } = await import('@aws-sdk/client-sts');
  const client = await stsClientFor(input);
  try {
    const result = await client.send(
      new AssumeRoleWithSAMLCommand({
        RoleArn: input.roleArn,
        PrincipalArn: input.principalArn,
        SAMLAssertion: input.samlAssertion,
        DurationSeconds: input.durationSeconds,
      }),
    );
    const c = result.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new SesameAwsError('sts_bad_answer', 'STS answered without complete credentials');
    }
    return {
      credentials: { AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      assumedRoleArn: result.AssumedRoleUser?.Arn ?? '',
    };
  } catch (error) {
    if (error instanceof SesameAwsError) throw error;
    const e = error as { Code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
    const where = input.endpoint ?? `STS in ${input.region}`;
    if (e.$metadata?.httpStatusCode === undefined) {
      throw new SesameAwsError('sts_unreachable', `could not call ${where}: ${e.code ?? e.message ?? String(error)}`);
    }
    const code = e.Code ?? e.name ?? 'Unknown';
    const hint = HINTS[code] ?? HINTS[code.replace(/Exception$/, '')];
    throw new SesameAwsError(`sts_${code}`, `STS refused AssumeRoleWithSAML for ${input.roleArn}: ${code}: ${e.message ?? ''}${hint ? ` (${hint})` : ''}`);
  } finally {
    client.destroy();
  }
}
