import { ATTRNAME_FORMAT_URI, type SamlAttribute } from '../../saml/types';
import { roleAttributeMapper } from '../../aws/mappers/roleAttributeMapper';
import { roleSessionNameMapper } from '../../aws/mappers/roleSessionNameMapper';
import { sessionDurationMapper } from '../../aws/mappers/sessionDurationMapper';
import type { AttributeMapper, ReleaseContext } from './releaseContext';

/**
 * One attribute, named by its OID in the uri NameFormat with the LDAP name as FriendlyName: the
 * eduPerson/InCommon convention SimpleSAMLphp, Shibboleth and pysaml2 map without configuration.
 */
function oidAttribute(oid: string, friendlyName: string, values: string[]): SamlAttribute[] {
  const kept = values.filter((v) => v !== '');
  return kept.length === 0 ? [] : [{ name: `urn:oid:${oid}`, nameFormat: ATTRNAME_FORMAT_URI, friendlyName, values: kept }];
}

export const uidMapper: AttributeMapper = ({ principal }) => oidAttribute('0.9.2342.19200300100.1.1', 'uid', [principal.username]);
export const mailMapper: AttributeMapper = ({ principal }) => oidAttribute('0.9.2342.19200300100.1.3', 'mail', [principal.email ?? '']);
export const displayNameMapper: AttributeMapper = ({ principal }) => oidAttribute('2.16.840.1.113730.3.1.241', 'displayName', [principal.displayName]);
export const commonNameMapper: AttributeMapper = ({ principal }) => oidAttribute('2.5.4.3', 'cn', [principal.displayName]);
/** isMemberOf: the user's Sesame groups, sorted so the assertion does not depend on database order. */
export const groupsMapper: AttributeMapper = ({ groups }) => oidAttribute('1.3.6.1.4.1.5923.1.5.1.1', 'isMemberOf', [...groups].sort());

/** Every mapper an admin can put in an SP's release chain, by the name `sesame sp set --release` takes. */
export const ATTRIBUTE_MAPPERS: Readonly<Record<string, AttributeMapper>> = {
  uid: uidMapper,
  mail: mailMapper,
  displayName: displayNameMapper,
  cn: commonNameMapper,
  groups: groupsMapper,
  'aws:role': roleAttributeMapper,
  'aws:roleSessionName': roleSessionNameMapper,
  'aws:sessionDuration': sessionDurationMapper,
};

/** The AWS console's chain (rules §13 order): an AWS registry entry is one whose chain this is. */
export const AWS_CONSOLE_RELEASE = ['aws:role', 'aws:roleSessionName', 'aws:sessionDuration'];

export function isKnownMapper(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ATTRIBUTE_MAPPERS, name);
}

/** Runs an SP's release chain in order; an attribute name released twice is merged, never sent as two Attribute elements. */
export function runReleaseChain(names: readonly string[], ctx: ReleaseContext): SamlAttribute[] {
  const out: SamlAttribute[] = [];
  for (const name of names) {
    const mapper = ATTRIBUTE_MAPPERS[name];
    if (!mapper) throw new Error(`unknown attribute mapper "${name}"`);
    for (const attribute of mapper(ctx)) {
      const existing = out.find((a) => a.name === attribute.name);
      if (existing) existing.values = [...new Set([...existing.values, ...attribute.values])];
      else out.push({ ...attribute, values: [...attribute.values] });
    }
  }
  return out;
}
