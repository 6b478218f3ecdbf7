import type { ErrorCode } from "./generated/animo";

/** A command's failure, as every Studio command answers: a code from the shared table and a sentence. */
export interface CommandError {
  code: ErrorCode;
  message: string;
}

export function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/** A sentence for any failure: the command's own, or what the IPC layer threw. */
export function describeError(error: unknown): string {
  if (isCommandError(error)) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Whether a command failed because of the server or the Studio rather than
 * the request: offer a retry for these instead of asking to fix a field.
 */
export function isServerFault(code: ErrorCode): boolean {
  return code === "internal" || code === "unavailable";
}
