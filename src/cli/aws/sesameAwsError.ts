/** Exit codes of `sesame-aws`: 1 a refusal or failure (IdP, STS, network), 2 bad or missing input, 130 cancelled at a prompt. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

/**
 * A failure `sesame-aws` reports as one line on stderr (and `{error, message}` on stdout with
 * --json) with a non-zero exit. `code` is stable for scripts; the message says what to do.
 */
export class SesameAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'SesameAwsError';
  }
}

/** Input the command needs but could not ask for: names the flag and the environment variable that supply it. */
export function missingInput(what: string, flag: string, envVar: string | null, why: string, details?: string): SesameAwsError {
  const sources = envVar ? `${flag} or the ${envVar} environment variable` : flag;
  return new SesameAwsError('missing_input', `${what} is needed and ${why}: pass ${sources}${details ? `\n${details}` : ''}`, EXIT_USAGE);
}
