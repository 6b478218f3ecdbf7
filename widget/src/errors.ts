import type { ErrorCode } from "./generated/animo";

/**
 * Turns a server error code into a sentence a visitor can read. The cause of a
 * server-side failure is never shown: the server does not send it either.
 */
export function describeError(code: ErrorCode): string {
  switch (code) {
    case "internal":
      return "Something went wrong on our side. Please try again in a moment.";
    default:
      // The generated union grows with the server's error table; a code this
      // placeholder does not know yet still gets a readable sentence.
      return "Something went wrong. Please try again.";
  }
}
