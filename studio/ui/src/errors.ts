import type { ErrorCode } from "./generated/animo";
import type { Connectivity, StudioError } from "./generated/studio";

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

/** The core's error, when `error` is one (every session and content command fails with it). */
export function asStudioError(error: unknown): StudioError | null {
  return isCommandError(error) ? (error as StudioError) : null;
}

/** The server could not be reached: the call may be retried later. */
export const isUnreachable = (error: unknown): boolean => asStudioError(error)?.code === "server_unreachable";
/** The session ended: only signing in again helps. */
export const isSessionExpired = (error: unknown): boolean => asStudioError(error)?.code === "session_expired";

/**
 * The banner state a failed command reveals, by its code: the server is
 * away or the session has ended; null for any other failure, which the
 * screen reports itself.
 */
export function bannerStateOf(error: unknown): Extract<Connectivity, "unreachable" | "session_expired"> | null {
  if (isUnreachable(error)) return "unreachable";
  if (isSessionExpired(error)) return "session_expired";
  return null;
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
  return code === "internal" || code === "unavailable" || code === "server_unreachable";
}
