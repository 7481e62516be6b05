import { AWS_PARTITION_IDS, type AwsPartition } from '../../aws/partitions';
import { EcpError } from '../../saml/ecpError';
import type { ConsoleSso } from '../../aws/consoleSso';
import type { EcpAuthnRequest } from '../../saml/ecpAuthnRequest';

export interface EcpServiceProvider {
  entityId: string;
  partition: AwsPartition;
  /** Where the response goes: ecp:Response@AssertionConsumerServiceURL and the assertion's Recipient. */
  assertionConsumerServiceUrl: string;
}

/**
 * Which service provider an ECP AuthnRequest is for. Sesame's relying parties are the AWS sign-in
 * endpoints of each partition (the SP entity ID is their Audience, E6); ECP is how desktop tools such
 * as saml2aws's "shibboleth-ecp" provider get an AWS assertion. The request may name the ACS; it must
 * then be the one this IdP posts that partition's responses to (E3: the Recipient AWS checks), since
 * an ECP client forwards the response wherever the ecp:Response header says.
 */
export function selectEcpServiceProvider(request: EcpAuthnRequest, consoleSso: ConsoleSso): EcpServiceProvider {
  const known = AWS_PARTITION_IDS.map((partition) => ({ partition, ...consoleSso.endpointFor(partition) }));
  const sp = known.find((candidate) => candidate.audience === request.issuer);
  if (!sp) {
    throw new EcpError(
      'Client',
      `unknown service provider "${request.issuer.slice(0, 200)}": this IdP answers ECP requests for ${known.map((k) => k.audience).join(', ')}`,
      403,
      'E6',
    );
  }
  if (request.assertionConsumerServiceUrl !== null && request.assertionConsumerServiceUrl !== sp.acsUrl) {
    throw new EcpError(
      'Client',
      `AssertionConsumerServiceURL is "${request.assertionConsumerServiceUrl.slice(0, 200)}"; for ${sp.audience} this IdP sends responses to ${sp.acsUrl} only`,
      403,
      'E3',
    );
  }
  return { entityId: sp.audience, partition: sp.partition, assertionConsumerServiceUrl: sp.acsUrl };
}
