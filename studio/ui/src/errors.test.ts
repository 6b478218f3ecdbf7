import { describe, expect, it } from "vitest";
import { bannerStateOf, describeError, isServerFault, isSessionExpired, isUnreachable } from "./errors";

const failure = (code: string, message = "m") => ({ code, message });

describe("the banner switches on the core's codes", () => {
  it("reads an unreachable server from server_unreachable", () => {
    expect(isUnreachable(failure("server_unreachable"))).toBe(true);
    expect(bannerStateOf(failure("server_unreachable"))).toBe("unreachable");
  });

  it("reads an ended session from session_expired", () => {
    expect(isSessionExpired(failure("session_expired"))).toBe(true);
    expect(bannerStateOf(failure("session_expired"))).toBe("session_expired");
  });

  it("leaves other failures to the screens, whatever their message or details say", () => {
    const generic = { code: "unavailable", message: "The server cannot be reached", details: { unreachable: true } };
    expect(isUnreachable(generic)).toBe(false);
    expect(bannerStateOf(generic)).toBeNull();
    expect(bannerStateOf(failure("invalid_refresh_token"))).toBeNull();
    expect(bannerStateOf(new Error("server_unreachable"))).toBeNull();
    expect(bannerStateOf(null)).toBeNull();
  });

  it("offers a retry for an unreachable server and describes it with its code", () => {
    expect(isServerFault("server_unreachable")).toBe(true);
    expect(isServerFault("session_expired")).toBe(false);
    expect(describeError(failure("server_unreachable", "Down."))).toBe("Down. (server_unreachable)");
  });
});
