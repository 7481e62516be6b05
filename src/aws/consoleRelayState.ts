import { AwsRuleError } from './awsRuleError';
import { AWS_PARTITIONS, isAwsConsoleHost, type AwsPartition } from './partitions';
import { quoteInput } from './quoteInput';

/** Longest RelayState we emit; deep links longer than this are not console pages anyone types. */
export const MAX_RELAY_STATE_LENGTH = 2048;

// Whitespace, controls and invisible format characters: browsers strip or rewrite them before
// parsing, so the URL we check would not be the URL the user lands on.
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}\p{Cf}]/u;
const HTTPS_PREFIX = /^https:\/\//i;

/**
 * Checks a console deep link for the RelayState form field (E8). RelayState travels outside the
 * signature and the user's browser follows it after sign-in, so it is untrusted input that must
 * never become an open redirect: only https URLs on the partition's own console hosts pass.
 * Returns the WHATWG-serialised URL, so what we emit is exactly what we checked.
 */
export function checkConsoleRelayState(text: string, partition: AwsPartition): string {
  const consoleHost = `console.${AWS_PARTITIONS[partition].consoleDomain}`;
  const fail = (problem: string): never => {
    throw new AwsRuleError(
      'E8',
      `RelayState ${quoteInput(text)} ${problem} — use an https://${consoleHost}/… or https://<region>.${consoleHost}/… deep link, or leave RelayState empty`,
    );
  };
  if (typeof text !== 'string' || text === '') {
    return fail('is empty');
  }
  if (text.length > MAX_RELAY_STATE_LENGTH) {
    return fail(`is ${text.length} characters long; at most ${MAX_RELAY_STATE_LENGTH} are allowed`);
  }
  if (WHITESPACE_OR_CONTROL.test(text)) {
    return fail('contains whitespace or control characters');
  }
  // WHATWG parsing forgives "https:host", "https:/host" and backslashes; demanding the plain form
  // keeps every parser — ours, the browser's, a log reader's — agreeing on the host.
  if (!HTTPS_PREFIX.test(text)) {
    return fail('is not an https:// URL');
  }
  if (text.includes('\\')) {
    return fail('contains a backslash, which browsers read as "/"');
  }
  // Userinfo makes "https://console.aws.amazon.com@evil.com/" look like AWS to a human; refuse
  // any "@" in the authority, even an empty one that WHATWG would silently drop.
  const authority = text.slice('https://'.length).split(/[/?#]/, 1)[0] ?? '';
  if (authority.includes('@')) {
    return fail('carries a user name or password');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('is not a valid URL');
  }
  if (url.protocol !== 'https:') {
    return fail('is not an https:// URL');
  }
  if (url.username !== '' || url.password !== '') {
    return fail('carries a user name or password');
  }
  // WHATWG drops the default port (":443"), so any port left is a non-default one.
  if (url.port !== '') {
    return fail(`uses port ${url.port}`);
  }
  if (!isAwsConsoleHost(url.hostname, partition)) {
    return fail(`points at host ${quoteInput(url.hostname)}, which is not an AWS console host of partition ${partition}`);
  }
  const normalised = url.href;
  if (normalised.length > MAX_RELAY_STATE_LENGTH) {
    return fail(`is ${normalised.length} characters long once percent-encoded; at most ${MAX_RELAY_STATE_LENGTH} are allowed`);
  }
  return normalised;
}
