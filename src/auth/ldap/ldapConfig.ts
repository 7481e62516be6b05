import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../config/config';

/** The directory backend, from SESAME_LDAP_* (README, "LDAP / Active Directory"). */
export interface LdapConfig {
  /** ldap://host[:port] or ldaps://host[:port]. */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS (RFC 4511 §4.14) before any bind. */
  startTls: boolean;
  /** PEM CA bundle to verify the server certificate with (LDAPS and StartTLS); null: the system CAs. */
  caCertificates: string | null;
  /** Service account for search-then-bind; null for direct bind (or anonymous search). */
  bindDn: string | null;
  bindPassword: string | null;
  /** Where users live; `userFilter` finds one of them (`{username}` is RFC 4515-escaped). */
  userBase: string;
  userFilter: string;
  /** Direct bind: the name to bind as (`{username}` is RFC 4514-escaped), e.g. uid={username},ou=people,… or {username}@corp.example.com. */
  userBindTemplate: string | null;
  usernameAttribute: string;
  /**
   * Attributes that identify an entry for its whole life, tried in order (operational ones are asked
   * for by name); the DN when the entry has none. Default: entryUUID, objectGUID, nsUniqueId.
   */
  idAttributes: string[];
  emailAttribute: string;
  displayNameAttribute: string;
  /** Group membership from the user's memberOf attribute, or from a search for groups naming the user. */
  groupSource: 'memberOf' | 'search';
  groupBase: string | null;
  /** `{dn}` is the user's DN, `{username}` the username, both RFC 4515-escaped. */
  groupFilter: string;
  groupNameAttribute: string;
  /** An LDAP filter that matches disabled accounts (evaluated by the server on the user's entry). */
  disabledFilter: string | null;
  timeoutMs: number;
}

type Env = Record<string, string | undefined>;

/** entryUUID (RFC 4530: OpenLDAP, 389 DS, most servers), objectGUID (Active Directory), nsUniqueId (older 389 DS / Sun). */
export const DEFAULT_ID_ATTRIBUTES = ['entryUUID', 'objectGUID', 'nsUniqueId'];

/** Username attributes that a user cannot set on their own entry in a normal directory. */
const STABLE_USERNAME_ATTRIBUTES = new Set(['uid', 'samaccountname']);

/**
 * Things an admin should hear about at start-up, though they are not errors: a username attribute
 * other than uid / sAMAccountName (mail, for one) may be one users can change on their own entry,
 * and then a sign-in name is only as trustworthy as that attribute.
 */
export function ldapConfigWarnings(config: LdapConfig): string[] {
  const warnings: string[] = [];
  if (!STABLE_USERNAME_ATTRIBUTES.has(config.usernameAttribute.toLowerCase())) {
    warnings.push(
      `SESAME_LDAP_USERNAME_ATTRIBUTE=${config.usernameAttribute}: Sesame usernames come from an attribute that is neither uid nor sAMAccountName. ` +
        `If users (or helpdesk staff) can change it on their own entry, they can pick another person's Sesame name; ` +
        `Sesame refuses a sign-in whose entry differs from the one the account was made for (directory_identity_mismatch), but prefer uid or sAMAccountName.`,
    );
  }
  return warnings;
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function requireFilter(name: string, value: string, placeholder: string | null): string {
  if (!value.startsWith('(') || !value.endsWith(')')) throw new ConfigError(name, `"${value}" is not an LDAP filter: it must be wrapped in parentheses (RFC 4515)`);
  if (placeholder && !value.includes(placeholder)) throw new ConfigError(name, `"${value}" must contain ${placeholder}, where Sesame puts the escaped value`);
  return value;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Null when SESAME_LDAP_URL is unset: every account is a local one. */
export function parseLdapConfig(env: Env, cwd = process.cwd()): LdapConfig | null {
  const rawUrl = read(env, 'SESAME_LDAP_URL');
  if (rawUrl === undefined) return null;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError('SESAME_LDAP_URL', `"${rawUrl}" is not a URL like ldaps://ldap.example.com`);
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') throw new ConfigError('SESAME_LDAP_URL', `"${rawUrl}" must start with ldap:// or ldaps://`);
  if ((url.pathname && url.pathname !== '/') || url.search || url.username) {
    throw new ConfigError('SESAME_LDAP_URL', 'must be only scheme, host and port; set the base DN with SESAME_LDAP_USER_BASE');
  }
  const startTls = /^(1|true|yes|on)$/i.test(read(env, 'SESAME_LDAP_STARTTLS') ?? '');
  if (startTls && url.protocol === 'ldaps:') throw new ConfigError('SESAME_LDAP_STARTTLS', 'StartTLS is for ldap:// URLs; ldaps:// is already encrypted');
  const allowPlaintext = /^(1|true|yes|on)$/i.test(read(env, 'SESAME_LDAP_ALLOW_PLAINTEXT') ?? '');
  if (url.protocol === 'ldap:' && !startTls && !LOOPBACK.test(url.hostname) && !allowPlaintext) {
    throw new ConfigError(
      'SESAME_LDAP_URL',
      `${rawUrl} would send passwords unencrypted: use ldaps://, or set SESAME_LDAP_STARTTLS=true (or SESAME_LDAP_ALLOW_PLAINTEXT=true on a network you trust)`,
    );
  }

  const caFile = read(env, 'SESAME_LDAP_CA_FILE');
  let caCertificates: string | null = null;
  if (caFile) {
    const file = path.resolve(cwd, caFile);
    try {
      caCertificates = fs.readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError('SESAME_LDAP_CA_FILE', `${file} cannot be read`);
    }
    if (!caCertificates.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('SESAME_LDAP_CA_FILE', `${file} holds no PEM certificate`);
  }

  const bindDn = read(env, 'SESAME_LDAP_BIND_DN') ?? null;
  let bindPassword = read(env, 'SESAME_LDAP_BIND_PASSWORD') ?? null;
  const bindPasswordFile = read(env, 'SESAME_LDAP_BIND_PASSWORD_FILE');
  if (bindPasswordFile) {
    try {
      bindPassword = fs.readFileSync(path.resolve(cwd, bindPasswordFile), 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new ConfigError('SESAME_LDAP_BIND_PASSWORD_FILE', `${bindPasswordFile} cannot be read`);
    }
  }
  if (bindDn && !bindPassword) throw new ConfigError('SESAME_LDAP_BIND_PASSWORD', 'is required with SESAME_LDAP_BIND_DN (an empty password would be an anonymous bind, RFC 4513 §5.1.2)');

  const userBase = read(env, 'SESAME_LDAP_USER_BASE');
  if (!userBase) throw new ConfigError('SESAME_LDAP_USER_BASE', 'is required with SESAME_LDAP_URL: the DN under which users are searched, e.g. ou=people,dc=example,dc=org');
  const usernameAttribute = read(env, 'SESAME_LDAP_USERNAME_ATTRIBUTE') ?? 'uid';
  const idAttribute = read(env, 'SESAME_LDAP_ID_ATTRIBUTE');
  if (idAttribute !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(idAttribute)) {
    throw new ConfigError('SESAME_LDAP_ID_ATTRIBUTE', `"${idAttribute}" is not an attribute name (e.g. entryUUID or objectGUID)`);
  }
  const userFilter = requireFilter(
    'SESAME_LDAP_USER_FILTER',
    read(env, 'SESAME_LDAP_USER_FILTER') ?? `(&(objectClass=person)(${usernameAttribute}={username}))`,
    '{username}',
  );
  const userBindTemplate = read(env, 'SESAME_LDAP_USER_BIND_TEMPLATE') ?? null;
  if (userBindTemplate !== null && !userBindTemplate.includes('{username}')) {
    throw new ConfigError('SESAME_LDAP_USER_BIND_TEMPLATE', 'must contain {username}, e.g. uid={username},ou=people,dc=example,dc=org or {username}@corp.example.com');
  }

  const groupSource = read(env, 'SESAME_LDAP_GROUP_SOURCE') ?? 'memberOf';
  if (groupSource !== 'memberOf' && groupSource !== 'search') throw new ConfigError('SESAME_LDAP_GROUP_SOURCE', `"${groupSource}" must be memberOf or search`);
  const groupBase = read(env, 'SESAME_LDAP_GROUP_BASE') ?? null;
  if (groupSource === 'search' && !groupBase) throw new ConfigError('SESAME_LDAP_GROUP_BASE', 'is required when SESAME_LDAP_GROUP_SOURCE=search');
  const groupFilter = requireFilter(
    'SESAME_LDAP_GROUP_FILTER',
    read(env, 'SESAME_LDAP_GROUP_FILTER') ?? '(|(&(objectClass=groupOfNames)(member={dn}))(&(objectClass=groupOfUniqueNames)(uniqueMember={dn})))',
    null,
  );
  const disabledFilter = read(env, 'SESAME_LDAP_DISABLED_FILTER') ?? null;
  if (disabledFilter) requireFilter('SESAME_LDAP_DISABLED_FILTER', disabledFilter, null);

  const timeoutRaw = read(env, 'SESAME_LDAP_TIMEOUT_MS') ?? '5000';
  if (!/^\d+$/.test(timeoutRaw) || Number(timeoutRaw) < 100 || Number(timeoutRaw) > 60_000) {
    throw new ConfigError('SESAME_LDAP_TIMEOUT_MS', `"${timeoutRaw}" must be a whole number of milliseconds from 100 to 60000`);
  }

  return {
    url: `${url.protocol}//${url.host}`,
    startTls,
    caCertificates,
    bindDn,
    bindPassword,
    userBase,
    userFilter,
    userBindTemplate,
    usernameAttribute,
    idAttributes: idAttribute !== undefined ? [idAttribute] : DEFAULT_ID_ATTRIBUTES,
    emailAttribute: read(env, 'SESAME_LDAP_EMAIL_ATTRIBUTE') ?? 'mail',
    displayNameAttribute: read(env, 'SESAME_LDAP_DISPLAY_NAME_ATTRIBUTE') ?? 'displayName',
    groupSource,
    groupBase,
    groupFilter,
    groupNameAttribute: read(env, 'SESAME_LDAP_GROUP_NAME_ATTRIBUTE') ?? 'cn',
    disabledFilter,
    timeoutMs: Number(timeoutRaw),
  };
}
