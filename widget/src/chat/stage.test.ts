// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";

import type { EmbedConfig } from "../generated/animo";
import { drawPoster, mountStage, posterUrl } from "./stage";

const config: EmbedConfig = {
  embed_id: "em_test",
  version: 1,
  bot_name: "ava",
  greeting: "Hello!",
  language: "en",
  widget: { primary_color: "#1f6feb", on_primary_color: "#ffffff", theme: "light", position: "bottom_right" },
  placement: {},
  avatar: null,
  visitor: { token: "tok", expires_at: new Date(Date.now() + 60_000).toISOString(), visitor_id: "vis_1" },
};

describe("the 2D poster", () => {
  it("draws the bot's initial when there is no poster image", () => {
    const container = document.createElement("div");
    drawPoster(container, " ava");
    expect(container.querySelector(".initial")?.textContent).toBe("A");
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows the poster image once loaded, in place of the initial", () => {
    const container = document.createElement("div");
    drawPoster(container, "ava", "https://animo.example/v1/embed/em_test/posters/abc");
    const image = container.querySelector("img");
    expect(image?.getAttribute("src")).toBe("https://animo.example/v1/embed/em_test/posters/abc");
    expect(image?.alt).toBe("");
    expect(image?.hidden).toBe(true);
    expect(container.querySelector(".initial")).not.toBeNull();
    image?.dispatchEvent(new Event("load"));
    expect(image?.hidden).toBe(false);
    expect(container.querySelector(".initial")).toBeNull();
  });

  it("keeps the initial when the poster image fails to load", () => {
    const container = document.createElement("div");
    drawPoster(container, "ava", "https://animo.example/missing");
    container.querySelector("img")?.dispatchEvent(new Event("error"));
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".initial")?.textContent).toBe("A");
  });

  it("resolves the config's poster path against the server", () => {
    expect(posterUrl(config, "https://animo.example")).toBeNull();
    const withPoster = { ...config, poster_url: "/v1/embed/em_test/posters/abc" };
    expect(posterUrl(withPoster, "https://animo.example")).toBe("https://animo.example/v1/embed/em_test/posters/abc");
  });

  it("stands in for a bot without an avatar", async () => {
    const container = document.createElement("div");
    const withPoster = { ...config, poster_url: "/v1/embed/em_test/posters/abc" };
    const { shown } = await mountStage(container, withPoster, "https://animo.example", null, () => undefined);
    expect(shown).toEqual({ kind: "poster", reason: "no_avatar" });
    expect(container.dataset["stage"]).toBe("poster");
    expect(container.querySelector("img")?.getAttribute("src")).toBe("https://animo.example/v1/embed/em_test/posters/abc");
  });
});
