/** Errors the grader reports to the user: a stable code, a message that says what to do next. */

export class GraderError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The process exit code when this error ends a command. */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'GraderError';
  }
}

export class UsageError extends GraderError {
  constructor(message: string) {
    super('USAGE', message, 2);
  }
}

export class UnknownKataError extends GraderError {
  constructor(
    readonly slug: string,
    readonly suggestions: string[],
  ) {
    const hint = suggestions.length ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
    super('UNKNOWN_KATA', `There is no kata "${slug}".${hint} Run \`npm run list\` to see them all.`, 2);
  }
}

export class ManifestError extends GraderError {
  constructor(message: string) {
    super('BAD_MANIFEST', `manifest.ts: ${message}`, 2);
  }
}
