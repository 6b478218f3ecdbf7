import { describe, expect, it } from "vitest";

import { errorText, translator } from "./strings";

describe("strings", () => {
  it("picks the table by the language's primary subtag and fills placeholders", () => {
    expect(translator("de-AT")("typing", { name: "Ava" })).toBe("Ava schreibt…");
    expect(translator("fr")("send")).toBe("Envoyer");
  });

  it("falls back to English for unknown languages and missing keys", () => {
    expect(translator("xx")("send")).toBe("Send");
    expect(translator("constructor")("send")).toBe("Send");
    // The German table has no sentence for this code; the English one stands in.
    expect(errorText(translator("de"), "provider_failed")).toBe(errorText(translator("en"), "provider_failed"));
  });

  it("words every code the widget names, and any other code generically", () => {
    const t = translator("en");
    for (const code of ["rate_limited", "budget_exhausted", "offline", "origin_not_allowed", "visitor_token_expired"]) {
      expect(errorText(t, code)).not.toBe(t("err_generic"));
    }
    expect(errorText(t, "something_new")).toBe(t("err_generic"));
    expect(errorText(t, "constructor")).toBe(t("err_generic"));
  });
});
