import { describe, expect, it } from "vitest";
import type { BotView, Personality } from "../generated/animo";
import {
  checkHexColor,
  checkOrigin,
  checkText,
  checkUrlPattern,
  checkWidgetForm,
  formFromBot,
  globMatch,
  parseAutoOpen,
  showsOn,
  type WidgetForm,
} from "./widget-form";

const personality: Personality = { name: "Ada", greeting: "Hello!", role: "Support" };

const form = (overrides: Partial<WidgetForm> = {}): WidgetForm => ({
  primaryColor: "#1F6FEB",
  onPrimaryColor: "#ffffff",
  theme: "auto",
  position: "bottom_right",
  launcherText: "Chat with us",
  greeting: "Hi there",
  allowedOrigins: "https://shop.example.com\n\n  https://*.Example.com  ",
  include: "/products/*",
  exclude: "",
  autoOpenSecs: "",
  ...overrides,
});

describe("field checks mirror animo-shared", () => {
  it("accepts #rrggbb colours only", () => {
    expect(checkHexColor("#1f6feb")).toBeNull();
    expect(checkHexColor("#ABCDEF")).toBeNull();
    for (const bad of ["1f6feb", "#fff", "#12345g", "#1234567", ""]) expect(checkHexColor(bad)).not.toBeNull();
  });

  it("counts characters, not UTF-16 units, and refuses control characters", () => {
    const limits = { min: 0, max: 3 };
    expect(checkText("😀😀😀", limits, false)).toBeNull();
    expect(checkText("abcd", limits, false)).toMatch(/got 4/);
    expect(checkText("  ab  ", limits, false)).toBeNull();
    expect(checkText("a\nb", limits, false)).toMatch(/control/);
    expect(checkText("a\nb", limits, true)).toBeNull();
    expect(checkText("", { min: 1, max: 3 }, false)).not.toBeNull();
  });

  it("takes origins with an optional wildcard and port but no path", () => {
    for (const good of ["https://shop.example.com", "http://localhost:3000", "https://*.example.com", "HTTPS://A.B"]) {
      expect(checkOrigin(good)).toBeNull();
    }
    for (const bad of ["shop.example.com", "ftp://x.com", "https://x.com/path", "https://x.com:0", "https://x.com:70000", "https://", "https://a..b"]) {
      expect(checkOrigin(bad)).not.toBeNull();
    }
  });

  it("takes URL patterns without spaces up to 500 characters", () => {
    expect(checkUrlPattern("/products/*")).toBeNull();
    expect(checkUrlPattern("a b")).not.toBeNull();
    expect(checkUrlPattern("")).not.toBeNull();
    expect(checkUrlPattern("x".repeat(501))).not.toBeNull();
  });

  it("reads the auto-open delay in seconds, empty for never", () => {
    expect(parseAutoOpen("")).toEqual({ ms: null });
    expect(parseAutoOpen("2.5")).toEqual({ ms: 2500 });
    expect(parseAutoOpen("600")).toEqual({ ms: 600_000 });
    expect(parseAutoOpen("601")).toHaveProperty("problem");
    expect(parseAutoOpen("-1")).toHaveProperty("problem");
    expect(parseAutoOpen("soon")).toHaveProperty("problem");
  });
});

describe("the whole form", () => {
  it("builds the draft update with normalized values and the rest of the personality", () => {
    const checked = checkWidgetForm(form({ autoOpenSecs: "5" }), personality);
    expect(checked.problems).toEqual([]);
    expect(checked.update).toEqual({
      widget: { primary_color: "#1f6feb", on_primary_color: "#ffffff", theme: "auto", position: "bottom_right", launcher_text: "Chat with us" },
      allowed_origins: ["https://shop.example.com", "https://*.example.com"],
      placement: { include: ["/products/*"], exclude: [], auto_open_delay_ms: 5000 },
      personality: { name: "Ada", greeting: "Hi there", role: "Support" },
    });
  });

  it("names every failing field and builds no update", () => {
    const checked = checkWidgetForm(
      form({ primaryColor: "blue", launcherText: "x".repeat(41), allowedOrigins: "https://ok.com\nnot an origin", exclude: "a b" }),
      personality,
    );
    expect(checked.update).toBeNull();
    expect(checked.problems.map((problem) => problem.field)).toEqual(["primaryColor", "launcherText", "allowedOrigins", "exclude"]);
  });

  it("refuses more list entries than the server allows", () => {
    const many = Array.from({ length: 51 }, (_, index) => `/p${index}`).join("\n");
    const checked = checkWidgetForm(form({ include: many }), personality);
    expect(checked.problems).toEqual([{ field: "include", message: "at most 50 entries (got 51)" }]);
  });

  it("fills from a draft, with the shared defaults for omitted fields", () => {
    const bot = {
      draft: {
        personality,
        widget: { primary_color: "#112233", on_primary_color: "#ffffff" },
        allowed_origins: ["https://a.com"],
        placement: { auto_open_delay_ms: 1500 },
      },
    } as unknown as BotView;
    expect(formFromBot(bot)).toEqual({
      primaryColor: "#112233",
      onPrimaryColor: "#ffffff",
      theme: "auto",
      position: "bottom_right",
      launcherText: "Chat with us",
      greeting: "Hello!",
      allowedOrigins: "https://a.com",
      include: "",
      exclude: "",
      autoOpenSecs: "1.5",
    });
  });
});

describe("placement rules", () => {
  it("globs with * only", () => {
    expect(globMatch("/products/*", "/products/bike")).toBe(true);
    expect(globMatch("/products/*", "/cart")).toBe(false);
    expect(globMatch("*checkout*", "https://x.com/a/checkout?step=2")).toBe(true);
    expect(globMatch("a*b*c", "aXbYc")).toBe(true);
    expect(globMatch("a*b*c", "aXbY")).toBe(false);
  });

  it("matches paths for / patterns, full URLs otherwise, exclude winning", () => {
    const url = "https://shop.example.com/products/bike?color=red";
    expect(showsOn([], [], url)).toBe(true);
    expect(showsOn(["/products/*"], [], url)).toBe(true);
    expect(showsOn(["/blog/*"], [], url)).toBe(false);
    expect(showsOn(["https://shop.example.com/*"], [], url)).toBe(true);
    expect(showsOn(["/products/*"], ["*color=red"], url)).toBe(false);
  });
});
