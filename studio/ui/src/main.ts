/**
 * The Studio front-end's entry point. This is a placeholder: the screens
 * (sign-in, bots, personality, avatar and animations, knowledge, widget and
 * placement, test chat, publish and embed, analytics) land with the Studio issue.
 */
import type { ErrorCode } from "./generated/animo";

/**
 * Whether a command failed because of the server rather than the request. The
 * Studio will offer a retry for these instead of asking the user to fix a field.
 */
export function isServerFault(code: ErrorCode): boolean {
  return code === "internal";
}
