import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import type { ConnectionOptions } from 'node:tls';
import { escapeDnValue, escapeFilterValue, fillTemplate, normalizeDn } from './ldapEscape';
import { ldapConfigWarnings, type LdapConfig } from './ldapConfig';

/** A directory group the user belongs to: its DN and its name (cn / sAMAccountName). */
export interface DirectoryGroup {
  dn: string;
  name: string;
}

export interface DirectoryEntry {
  dn: string;
  /**
   * The entry's immutable identifier: "entryUUID:<uuid>" (OpenLDAP, 389 DS, RFC 4530),
   * "objectGUID:<hex>" (Active Directory), "nsUniqueId:<id>", or "dn:<normalised DN>" when the server
   * returns none of them. Names, mail addresses and even DNs change or can be chosen by users; this
   * does not, so a Sesame account stays bound to the entry it was made for.
   */
  id: string;
  username: string;
  displayName: string | null;
  email: string | null;
  groups: DirectoryGroup[];
}

export type DirectoryOutcome =
  | { ok: true; entry: DirectoryEntry }
  /** The entry was found but its own guess budget is spent (`EntryGate`): the password was not tried. */
  | { ok: false; reason: 'locked'; detail: string; retryAfterSeconds: number }
  /** Unknown user or wrong password: the same answer for both. */
  | { ok: false; reason: 'invalid'; detail: string; entryId?: string }
  /** The password was right (or the server said why it refused) but the account is disabled or locked. */
  | { ok: false; reason: 'disabled'; detail: string }
  /** The directory could not be asked: down, timing out, TLS failure, or a bad service account. */
  | { ok: false; reason: 'unavailable'; detail: string };

/** Active Directory puts the real reason of a failed bind into the diagnostic message ("data 533"). */
const AD_DISABLED_CODES: Record<string, string> = {
  '533': 'account disabled',
  '701': 'account expired',
  '775': 'account locked out',
};

function first(entry: Entry, attribute: string): string | null {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (!key) return null;
  const value = entry[key];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const str = Buffer.isBuffer(text) ? text.toString('utf8') : String(text);
  return str === '' ? null : str;
}

function all(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (!key) return [];
  const value = entry[key]!;
  return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/**
 * The value of a DN's first RDN: cn=aws-admins,ou=groups,… → aws-admins. RFC 4514 escapes are
 * undone, both `\,` and the hex form servers often return (`cn=AWS\2C Admins`, UTF-8 bytes).
 */
export function firstRdnValue(dn: string): string {
  const match = /^[^=]+=((?:\\.|[^,+\\])*)/.exec(dn);
  if (!match) return dn;
  const percentEncoded = match[1]!.replace(/\\([0-9a-fA-F]{2})|\\(.)|%/g, (_m, hex: string | undefined, char: string | undefined) =>
    hex !== undefined ? `%${hex}` : char !== undefined ? encodeURIComponent(char) : '%25',
  );
  try {
    return decodeURIComponent(percentEncoded).trim();
  } catch {
    return match[1]!.trim();
  }
}

class DirectoryUnavailable extends Error {}

/**
 * Called once the directory has named the entry a sign-in is for (before the password is tried, with
 * search-then-bind): returns 0 to go on, or the seconds the entry is locked for. The username typed is
 * only one of the names that may find an entry (a filter matching uid or mail), so the guess budget
 * must also be the entry's own.
 */
export type EntryGate = (entryId: string) => Promise<number>;

/** Binary attributes: ldapts must hand them over as bytes, not as (mangled) text. */
const BINARY_ID_ATTRIBUTES = new Set(['objectguid']);

/**
 * Sign-in against an LDAP server or Active Directory with ldapts: search-then-bind (a service
 * account finds the user's entry, then the user's own password is checked with a bind as that DN)
 * or direct bind (bind as a name built from a template). Every value that came from the user is
 * escaped (RFC 4515 in filters, RFC 4514 in DNs). One short-lived connection per sign-in.
 */
export class LdapDirectory {
  constructor(private readonly config: LdapConfig) {}

  /** What an admin should hear about this configuration at start-up (ldapConfigWarnings). */
  warnings(): string[] {
    return ldapConfigWarnings(this.config);
  }

  private tlsOptions(): ConnectionOptions {
    const host = new URL(this.config.url).hostname.replace(/^\[|\]$/g, '');
    return {
      ...(this.config.caCertificates ? { ca: [this.config.caCertificates] } : {}),
      // Certificates are checked against the host name in SESAME_LDAP_URL (Node's default identity check).
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    };
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      url: this.config.url,
      timeout: this.config.timeoutMs,
      connectTimeout: this.config.timeoutMs,
      // ldapts speaks TLS from the first byte whenever tlsOptions is given, so only for ldaps://.
      ...(this.config.url.startsWith('ldaps:') ? { tlsOptions: this.tlsOptions() } : {}),
      strictDN: false,
    });
    if (this.config.startTls) await client.startTLS(this.tlsOptions());
    return client;
  }

  /** The user's entry: under the user base, or (direct bind to a DN) the bound entry itself, which a user may always read. */
  private async searchUser(client: Client, username: string, ownDn?: string): Promise<Entry[]> {
    const filter = fillTemplate(this.config.userFilter, { username }, escapeFilterValue);
    const attributes = [this.config.usernameAttribute, this.config.emailAttribute, this.config.displayNameAttribute, 'cn', ...this.config.idAttributes];
    if (this.config.groupSource === 'memberOf') attributes.push('memberOf');
    // sizeLimit 2: one entry is an answer, two are an ambiguity we refuse rather than pick from.
    const { searchEntries } = await client.search(ownDn ?? this.config.userBase, {
      scope: ownDn ? 'base' : 'sub',
      filter,
      attributes,
      sizeLimit: 2,
      timeLimit: Math.ceil(this.config.timeoutMs / 1000),
      explicitBufferAttributes: this.config.idAttributes.filter((a) => BINARY_ID_ATTRIBUTES.has(a.toLowerCase())),
    });
    return searchEntries;
  }

  /** The first identifier attribute the entry has (operational attributes come only when asked for by name), else its DN. */
  private idOf(entry: Entry): string {
    for (const attribute of this.config.idAttributes) {
      const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
      if (!key) continue;
      const raw = entry[key];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (value === undefined) continue;
      const text = Buffer.isBuffer(value) ? value.toString('hex') : String(value).trim().toLowerCase();
      if (text !== '') return `${attribute}:${text}`;
    }
    return `dn:${normalizeDn(entry.dn)}`;
  }

  private async isDisabled(client: Client, dn: string): Promise<boolean> {
    if (!this.config.disabledFilter) return false;
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: this.config.disabledFilter, attributes: ['1.1'] });
    return searchEntries.length > 0;
  }

  private async groupsOf(client: Client, entry: Entry, username: string): Promise<DirectoryGroup[]> {
    if (this.config.groupSource === 'memberOf') return all(entry, 'memberOf').map((dn) => ({ dn, name: firstRdnValue(dn) }));
    const filter = fillTemplate(this.config.groupFilter, { dn: entry.dn, username }, escapeFilterValue);
    const { searchEntries } = await client.search(this.config.groupBase!, { scope: 'sub', filter, attributes: [this.config.groupNameAttribute], sizeLimit: 1000 });
    return searchEntries.map((g) => ({ dn: g.dn, name: first(g, this.config.groupNameAttribute) ?? firstRdnValue(g.dn) }));
  }

  private toEntry(entry: Entry, username: string, groups: DirectoryGroup[]): DirectoryEntry {
    return {
      dn: entry.dn,
      id: this.idOf(entry),
      username: first(entry, this.config.usernameAttribute) ?? username,
      displayName: first(entry, this.config.displayNameAttribute) ?? first(entry, 'cn'),
      email: first(entry, this.config.emailAttribute),
      groups,
    };
  }

  private static bindFailure(error: unknown, entryId?: string): DirectoryOutcome {
    const message = (error as Error).message ?? '';
    const ad = /\bdata ([0-9a-f]{3})\b/i.exec(message)?.[1];
    if (ad && AD_DISABLED_CODES[ad]) return { ok: false, reason: 'disabled', detail: AD_DISABLED_CODES[ad]! };
    return { ok: false, reason: 'invalid', detail: 'wrong password', ...(entryId ? { entryId } : {}) };
  }

  private static async passGate(gate: EntryGate | undefined, entryId: string): Promise<DirectoryOutcome | null> {
    const wait = gate ? await gate(entryId) : 0;
    return wait > 0 ? { ok: false, reason: 'locked', detail: 'too many failed sign-ins for this directory entry', retryAfterSeconds: wait } : null;
  }

  /**
   * Checks a username and password against the directory; never throws for directory trouble.
   * `gate` sees the entry's identifier once the directory has named it, and may refuse to go on.
   */
  async authenticate(username: string, password: string, gate?: EntryGate): Promise<DirectoryOutcome> {
    // RFC 4513 §5.1.2: a simple bind with a name and an empty password is an *anonymous* bind that
    // many servers accept. It must never count as proof of the password.
    if (password === '') return { ok: false, reason: 'invalid', detail: 'empty password' };
    if (username === '') return { ok: false, reason: 'invalid', detail: 'empty username' };
    let client: Client | null = null;
    try {
      client = await this.connect();
      return this.config.userBindTemplate ? await this.directBind(client, username, password, gate) : await this.searchThenBind(client, username, password, gate);
    } catch (error) {
      const detail = error instanceof DirectoryUnavailable ? error.message : `${(error as Error).name}: ${(error as Error).message}`.slice(0, 300);
      return { ok: false, reason: 'unavailable', detail };
    } finally {
      await client?.unbind().catch(() => undefined);
    }
  }

  private async searchThenBind(client: Client, username: string, password: string, gate: EntryGate | undefined): Promise<DirectoryOutcome> {
    if (this.config.bindDn) {
      try {
        await client.bind(this.config.bindDn, this.config.bindPassword!);
      } catch (error) {
        if (error instanceof InvalidCredentialsError) throw new DirectoryUnavailable(`the service account ${this.config.bindDn} was refused by the directory (check SESAME_LDAP_BIND_DN / SESAME_LDAP_BIND_PASSWORD)`);
        throw error;
      }
    }
    const entries = await this.searchUser(client, username);
    if (entries.length === 0) return { ok: false, reason: 'invalid', detail: 'no such user in the directory' };
    if (entries.length > 1) return { ok: false, reason: 'invalid', detail: 'the user filter matches several entries' };
    const entry = entries[0]!;
    const entryId = this.idOf(entry);
    const locked = await LdapDirectory.passGate(gate, entryId);
    if (locked) return locked;
    const disabled = await this.isDisabled(client, entry.dn);
    const groups = await this.groupsOf(client, entry, username);
    try {
      await client.bind(entry.dn, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return LdapDirectory.bindFailure(error, entryId);
      throw error;
    }
    // Only someone who knows the password learns that the account is disabled.
    if (disabled) return { ok: false, reason: 'disabled', detail: 'matches SESAME_LDAP_DISABLED_FILTER' };
    return { ok: true, entry: this.toEntry(entry, username, groups) };
  }

  private async directBind(client: Client, username: string, password: string, gate: EntryGate | undefined): Promise<DirectoryOutcome> {
    const template = this.config.userBindTemplate!;
    // A user@domain (UPN) bind name is not a DN, so there is no escaping for it: allow only plain names.
    if (!template.includes('=') && !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(username)) {
      return { ok: false, reason: 'invalid', detail: 'username not usable in a user@domain bind name' };
    }
    // A DN template gets RFC 4514 escaping; a UPN template was restricted to plain names above.
    const bindName = template.includes('=') ? fillTemplate(template, { username }, escapeDnValue) : fillTemplate(template, { username }, (v) => v);
    try {
      await client.bind(bindName, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return LdapDirectory.bindFailure(error);
      throw error;
    }
    const entries = await this.searchUser(client, username, template.includes('=') ? bindName : undefined);
    if (entries.length !== 1) return { ok: false, reason: 'invalid', detail: `bound, but the user filter found ${entries.length} entries` };
    const entry = entries[0]!;
    // Direct bind learns the entry only after the bind: its lock still refuses, whatever the password was.
    const locked = await LdapDirectory.passGate(gate, this.idOf(entry));
    if (locked) return locked;
    if (await this.isDisabled(client, entry.dn)) return { ok: false, reason: 'disabled', detail: 'matches SESAME_LDAP_DISABLED_FILTER' };
    return { ok: true, entry: this.toEntry(entry, username, await this.groupsOf(client, entry, username)) };
  }
}
