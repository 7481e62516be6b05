/** Longest excerpt of a rejected value we echo back; an attacker-sized RelayState must not flood the logs. */
const MAX_QUOTED_CHARS = 120;

/**
 * Renders a rejected value for an error message. JSON quoting makes invisible characters
 * (tabs, newlines, zero-width spaces) visible to the admin and keeps untrusted input from forging
 * extra log lines.
 */
export function quoteInput(value: unknown): string {
  if (typeof value === 'string') {
    const excerpt = value.length > MAX_QUOTED_CHARS ? `${value.slice(0, MAX_QUOTED_CHARS)}…` : value;
    // \u2028/\u2029 survive JSON.stringify but break lines in many log viewers.
    return JSON.stringify(excerpt).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return `(a value of type ${typeof value})`;
}
