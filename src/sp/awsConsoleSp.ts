import { AWS_PARTITION_IDS, AWS_PARTITIONS, type AwsPartition } from '../aws/partitions';
import { AWS_CONSOLE_RELEASE } from './release/attributeMappers';
import { BINDING_HTTP_POST, DEFAULT_ASSERTION_LIFETIME_SECONDS, type SpMetadataFacts, type SpSettings } from './serviceProvider';
import type { SpRegistry } from './spRegistry';

export interface AwsConsoleConfig {
  signinUrl: string;
  signinPartition: AwsPartition;
  audience: string;
  signResponse: boolean;
  assertionLifetimeSeconds: number;
}

/** The AWS console of one partition as a registry entry: entityID = the audience AWS expects (E6), one POST ACS = the sign-in URL (E1, E2). */
export function awsConsoleEntry(partition: AwsPartition, config: AwsConsoleConfig): { facts: SpMetadataFacts; settings: SpSettings } {
  const own = partition === config.signinPartition;
  const acsUrl = own ? config.signinUrl : AWS_PARTITIONS[partition].defaultAcsUrl;
  const entityId = own ? config.audience : AWS_PARTITIONS[partition].defaultAudience;
  return {
    facts: {
      entityId,
      acs: [{ binding: BINDING_HTTP_POST, location: acsUrl, index: 0, isDefault: true }],
      slo: [],
      signingCertificates: [],
      encryptionCertificates: [],
      authnRequestsSigned: false,
      // S1: AWS's own SP metadata says WantAssertionsSigned="true".
      wantAssertionsSigned: true,
      nameIdFormats: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    },
    settings: {
      displayName: partition === 'aws' ? 'AWS console' : `AWS console (${partition})`,
      nameId: 'persistent',
      attributeRelease: [...AWS_CONSOLE_RELEASE],
      signResponse: config.signResponse,
      signAssertion: true,
      encryptAssertion: false,
      allowedGroups: [],
      requireSignedRequests: false,
      allowSha1: false,
      audience: null,
      launchRelayState: null,
      assertionLifetimeSeconds: Math.min(config.assertionLifetimeSeconds, DEFAULT_ASSERTION_LIFETIME_SECONDS),
    },
  };
}

/**
 * Seeds (or refreshes) the AWS console of every partition into the SP registry at start-up, so
 * AWS is one registry entry whose release chain is the AWS mappers, not a special case. The ACS
 * and audience follow SESAME_AWS_SIGNIN_URL / SESAME_AWS_AUDIENCE, and SESAME_SIGN_RESPONSE keeps
 * deciding Response signing; the release chain and other settings are the admin's to change.
 */
export async function ensureAwsConsoleSps(registry: SpRegistry, config: AwsConsoleConfig): Promise<void> {
  for (const partition of AWS_PARTITION_IDS) {
    const { facts, settings } = awsConsoleEntry(partition, config);
    await registry.ensureConfigured(facts, settings, { signResponse: config.signResponse, signAssertion: true, assertionLifetimeSeconds: settings.assertionLifetimeSeconds });
  }
}
