/** A failure the `sesame` command reports as one line on stderr with a non-zero exit (2 = bad input). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}
