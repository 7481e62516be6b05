/**
 * Escaping of user input before it goes into an LDAP filter or a DN: without it, a username such as
 * `*)(uid=*))(|(uid=*` rewrites the search (LDAP injection, OWASP LDAP Injection Prevention).
 */

/**
 * RFC 4515 §3: in a filter assertion value, `*`, `(`, `)`, `\` and NUL must be written as `\XX`
 * (two hex digits). Other characters, UTF-8 included, are taken literally.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * RFC 4514 §2.4: in an attribute value of a DN, `"`, `+`, `,`, `;`, `<`, `>`, `\` are escaped with a
 * backslash, as are a leading `#` or space and a trailing space; NUL becomes `\00`. `=` is escaped
 * too (allowed by §2.4), because some servers mis-parse an unescaped one.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/["+,;<>\\=]/g, (c) => `\\${c}`).replace(/\u0000/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** Fills `{name}` placeholders with values escaped by `escape`; unknown placeholders are left as they are. */
export function fillTemplate(template: string, values: Record<string, string>, escape: (value: string) => string): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? escape(values[name]!) : whole));
}

/** DNs compare case-insensitively and without the optional spaces around "," and "=" (RFC 4514 §4). */
export function normalizeDn(dn: string): string {
  return dn.trim().toLowerCase().replace(/\s*([,=+])\s*/g, '$1');
}
