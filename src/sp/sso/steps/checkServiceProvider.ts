import { SamlIntakeError } from '../../../saml/intake/samlIntakeError';
import type { SpRegistryStore } from '../../../store/spRegistryStore';
import type { ServiceProvider } from '../../serviceProvider';

/** The issuer must be a registered SP: nothing is answered to, or redirected for, an unknown sender. */
export async function checkServiceProvider(sps: SpRegistryStore, issuer: string): Promise<ServiceProvider> {
  const sp = await sps.findServiceProviderByEntityId(issuer);
  if (!sp) {
    throw new SamlIntakeError('request.issuer', `The service provider "${issuer.slice(0, 200)}" is not registered with Sesame. An administrator registers it with "sesame sp add --metadata FILE".`, 403);
  }
  return sp;
}
