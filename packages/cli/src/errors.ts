/**
 * A mistake in how the command was called (unknown option, missing variable, unreadable file). The CLI prints its
 * message and exits with status 2; other failures exit with 1.
 */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
