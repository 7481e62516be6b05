/** An error a route turns into a page (or JSON): status, a heading, a readable message, the rule it quotes. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly heading: string,
    message: string,
    readonly rule?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
