// The widget end to end, in Debian's Chromium against a running animo-server
// with the published demo bot:
//   ANIMO_E2E_BASE       the server, e.g. http://127.0.0.1:8080 (serves /embed.js, /widget/*, /demo)
//   ANIMO_E2E_EMBED_ID   the demo bot's embed id
//   ANIMO_E2E_ARTIFACTS  where screenshots go
//   ANIMO_E2E_DEMO_URL   optional: another page embedding the demo bot instead of $ANIMO_E2E_BASE/demo
// Scenarios: the demo page (launcher, open, a streamed answer with
// citations, cues reaching the avatar, a WebGL canvas that is not blank,
// feedback, keyboard); reload keeps the conversation; navigation sends a page
// view; offline and back; a phone-sized sheet; the SSE fallback without
// WebSockets;
// a host page on an origin the bot does not allow is refused politely;
// hostile text from the tenant, the answer and the visitor stays inert; and
// no console errors on any allowed page. Exits non-zero on the first failure.
import { createHmac } from "node:crypto";

import { artifact, canvasPaint, env, events, fail, hostPages, launch, recordEvents, snippetPage, watchErrors } from "./lib.mjs";

const base = env("ANIMO_E2E_BASE").replace(/\/$/, "");
const embedId = env("ANIMO_E2E_EMBED_ID");
// The page that embeds the demo bot; the server's own /demo unless told otherwise.
const demoUrl = env("ANIMO_E2E_DEMO_URL", `${base}/demo`);
const QUESTION = "When is the shop open?";
const TIMEOUT = 30_000;
let ownerToken;

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function step(name, run) {
  const started = Date.now();
  try {
    await run();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    fail(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const browser = await launch();

// ---- the demo page, desktop ----
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const errors = watchErrors(page);
// The widget's own warnings say why it fell back (the poster instead of the avatar, for one).
const warnings = [];
page.on("console", (message) => message.type() === "warning" && message.text().startsWith("animo:") && warnings.push(message.text()));
const launcher = page.locator("[data-animo-widget] button.launcher");
const panel = page.locator("[data-animo-widget] section.panel");
const input = panel.locator("textarea");
const answers = panel.locator(".msg.bot:not(.greeting)");

await step("the demo page shows the launcher", async () => {
  const response = await page.goto(demoUrl);
  check(response?.ok(), `GET ${demoUrl} answered ${response?.status()}`);
  await page.waitForFunction(() => window.Animo !== undefined && window.Animo.state.status !== "loading", null, {
    timeout: TIMEOUT,
  });
  const state = await page.evaluate(() => window.Animo.state);
  const sameOrigin = new URL(demoUrl).origin === new URL(base).origin;
  check(
    state.status === "ready",
    `Animo.state is ${JSON.stringify(state)}` +
      (sameOrigin && state.code === "origin_not_allowed"
        ? " (the demo page is on the server's own origin, and browsers send no Origin header with a same-origin GET:" +
          " the config and history endpoints must take Sec-Fetch-Site: same-origin as the server's own origin)"
        : ""),
  );
  await launcher.waitFor({ state: "visible", timeout: TIMEOUT });
  await recordEvents(page);
  // The snippet pasted twice still makes one widget.
  await page.evaluate(
    ([src, id]) => {
      const again = document.createElement("script");
      again.src = src;
      again.dataset.embedId = id;
      document.body.append(again);
    },
    [`${base}/embed.js`, embedId],
  );
  await page.waitForFunction(() => [...document.scripts].at(-1).src.endsWith("/embed.js"));
  await page.waitForTimeout(500);
  const widgets = await page.locator("[data-animo-widget]").count();
  check(widgets === 1, `${widgets} widgets after including the snippet twice`);
  await page.screenshot({ path: artifact("demo-launcher.png") });
});

await step("the launcher opens an accessible dialog with the greeting", async () => {
  await launcher.click();
  await panel.waitFor({ state: "visible", timeout: TIMEOUT });
  check((await panel.getAttribute("role")) === "dialog", "the panel is not a dialog");
  check((await panel.getAttribute("aria-modal")) === "true", "the dialog is not modal");
  check((await launcher.getAttribute("aria-expanded")) === "true", "the launcher does not say it is expanded");
  const focused = await page.evaluate(() => document.querySelector("[data-animo-widget]").shadowRoot.activeElement?.tagName);
  check(focused === "TEXTAREA", `focus is on ${focused}, not the message box`);
  const greeting = await panel.locator(".greeting").textContent();
  check(greeting && greeting.length > 0, "no greeting");
  await panel.locator(".status[data-state=online]").waitFor({ timeout: TIMEOUT });
});

await step("the avatar is shown and draws on its WebGL canvas", async () => {
  await page.waitForFunction(() => window.__animoEvents.some((event) => event.name === "stage"), null, { timeout: TIMEOUT });
  const [stage] = await events(page, "stage");
  check(
    stage.detail.kind === "avatar",
    `the poster is shown instead of the avatar (${stage.detail.reason}; ${warnings.join("; ") || "no warning"};` +
      ` ${errors.join("; ") || "no error"})`,
  );
  const canvas = panel.locator(".stage canvas");
  await canvas.waitFor({ timeout: TIMEOUT });
  // A few frames for the model to settle into its idle loop.
  await page.waitForTimeout(500);
  const paint = await canvasPaint(page, canvas);
  check(paint.changed > 0.01 && paint.uniform < 0.99, `the canvas looks blank (${JSON.stringify(paint)})`);
  await page.screenshot({ path: artifact("demo-open.png") });
});

await step("a question gets a streamed answer with citations, and cues reach the avatar", async () => {
  // Record every status the answer bubble passes through, to see it stream.
  await page.evaluate(() => {
    const root = document.querySelector("[data-animo-widget]").shadowRoot;
    window.__statuses = new Set();
    new MutationObserver(() => {
      for (const bubble of root.querySelectorAll(".msg.bot")) window.__statuses.add(bubble.dataset.status);
    }).observe(root, { subtree: true, childList: true, attributes: true });
  });
  const cuesBefore = (await events(page, "cue")).length;
  await input.fill(QUESTION);
  await input.press("Enter");
  await panel.locator(".msg.bot:not(.greeting)[data-status=done]").first().waitFor({ timeout: TIMEOUT });
  const statuses = await page.evaluate(() => [...window.__statuses]);
  check(statuses.includes("streaming"), `the answer did not stream (statuses ${statuses})`);
  const text = await answers.first().textContent();
  check(/10:00|Tuesday/.test(text ?? ""), `the answer does not come from the demo knowledge: ${text}`);
  const sources = answers.first().locator("ol.sources li");
  check((await sources.count()) > 0, "the answer has no citations");
  const title = await sources.first().locator(".title").textContent();
  check(title && title.trim().length > 3, "a citation has no title");
  const announced = await panel.locator(".sr[aria-live=polite]").textContent();
  check(announced?.includes("10:00"), `the answer was not announced to screen readers: ${announced}`);
  const cues = (await events(page, "cue")).slice(cuesBefore);
  check(cues.length > 0, "no cue frame arrived");
  check(cues.every((cue) => cue.detail.played), "a cue did not reach the avatar player");
  await page.screenshot({ path: artifact("demo-answer.png") });
});

await step("the answer can be rated", async () => {
  const up = answers.first().locator("button[data-rating=up]");
  await up.click();
  await answers.first().locator("button[data-rating=up][aria-pressed=true]").waitFor({ timeout: TIMEOUT });
  await page.waitForTimeout(300);
  check((await events(page, "error")).length === 0, "rating the answer produced an error");
});

await step("Tab keeps focus inside the dialog", async () => {
  for (let press = 0; press < 12; press += 1) {
    await page.keyboard.press(press % 3 === 2 ? "Shift+Tab" : "Tab");
    const inside = await page.evaluate(() => {
      const root = document.querySelector("[data-animo-widget]").shadowRoot;
      return root.querySelector("section.panel").contains(root.activeElement);
    });
    check(inside, `focus left the dialog after ${press + 1} presses`);
  }
  await input.focus();
});

await step("Esc closes the dialog and focus returns to the launcher", async () => {
  await input.press("Escape");
  await panel.waitFor({ state: "hidden", timeout: TIMEOUT });
  const focused = await page.evaluate(() => document.querySelector("[data-animo-widget]").shadowRoot.activeElement?.className);
  check(String(focused).includes("launcher"), `focus went to ${focused}`);
});

await step("a reload keeps the conversation", async () => {
  await page.reload();
  await launcher.waitFor({ state: "visible", timeout: TIMEOUT });
  await recordEvents(page);
  await launcher.click();
  await panel.locator(".msg.visitor", { hasText: QUESTION }).waitFor({ timeout: TIMEOUT });
  await answers.first().waitFor({ timeout: TIMEOUT });
  await page.screenshot({ path: artifact("demo-reload.png") });
});

await step("a single-page-app navigation is sent as a page view and the avatar reacts", async () => {
  const before = (await events(page, "cue")).length;
  await page.evaluate(() => history.pushState({}, "", `${location.pathname}?step=2`));
  await page.waitForFunction((count) => window.__animoEvents.filter((event) => event.name === "cue").length > count, before, {
    timeout: TIMEOUT,
  });
  const [cue] = (await events(page, "cue")).slice(before);
  check(cue.detail.played, "the page view's cue did not reach the avatar");
});

await step("going offline shows it, and the chat recovers when the network is back", async () => {
  await context.setOffline(true);
  await panel.locator(".status[data-state=offline]").waitFor({ timeout: TIMEOUT });
  const alert = await panel.locator(".alert").textContent();
  check(/offline/i.test(alert ?? ""), `no offline notice: ${alert}`);
  await page.screenshot({ path: artifact("demo-offline.png") });
  await context.setOffline(false);
  await panel.locator(".status[data-state=online]").waitFor({ timeout: TIMEOUT });
  check(await panel.locator(".alert").isHidden(), "the offline notice stayed after reconnecting");
  const count = await answers.count();
  await input.fill("Do you ship abroad?");
  await input.press("Enter");
  await panel.locator(".msg.bot:not(.greeting)[data-status=done]").nth(count).waitFor({ timeout: TIMEOUT });
});

await step("the demo page logged no console errors", async () => {
  check(errors.length === 0, errors.join("\n"));
});
await context.close();

// ---- phone ----
await step("a phone-sized viewport gets a full-screen sheet, and reduced motion the poster", async () => {
  // Reduced motion as well: the poster stands in for the avatar.
  const phone = await browser.newContext({
    viewport: { width: 375, height: 740 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    reducedMotion: "reduce",
  });
  const mobile = await phone.newPage();
  const mobileErrors = watchErrors(mobile);
  await mobile.goto(demoUrl);
  const button = mobile.locator("[data-animo-widget] button.launcher");
  await button.waitFor({ state: "visible", timeout: TIMEOUT });
  await button.tap();
  const sheet = mobile.locator("[data-animo-widget] section.panel");
  await sheet.waitFor({ state: "visible", timeout: TIMEOUT });
  const box = await sheet.boundingBox();
  check(box && box.x === 0 && box.y === 0 && box.width === 375 && box.height === 740, `the sheet is ${JSON.stringify(box)}`);
  check(!(await button.isVisible()), "the launcher covers the sheet");
  await sheet.locator(".stage[data-stage=poster] .initial").waitFor({ timeout: TIMEOUT });
  check((await sheet.locator(".stage canvas").count()) === 0, "the avatar was loaded although reduced motion was asked for");
  await mobile.screenshot({ path: artifact("phone-sheet.png") });
  check(mobileErrors.length === 0, mobileErrors.join("\n"));
  await phone.close();
});

// ---- a connection lost mid-answer ----
await step("a connection lost mid-answer reconnects and the resume brings the whole answer", async () => {
  const dropping = await browser.newContext();
  let dropped = false;
  await dropping.routeWebSocket(/\/v1\/chat/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      socket.send(message);
      if (!dropped && JSON.parse(String(message)).type === "token") {
        // The first words arrived; the network drops before the rest.
        dropped = true;
        server.close();
        socket.close({ code: 1006 });
      }
    });
  });
  const dropPage = await dropping.newPage();
  const dropErrors = watchErrors(dropPage);
  await dropPage.goto(demoUrl);
  const button = dropPage.locator("[data-animo-widget] button.launcher");
  await button.waitFor({ state: "visible", timeout: TIMEOUT });
  await button.click();
  const box = dropPage.locator("[data-animo-widget] section.panel");
  await box.locator(".status[data-state=online]").waitFor({ timeout: TIMEOUT });
  const textarea = box.locator("textarea");
  await textarea.fill("How do returns and refunds work?");
  await textarea.press("Enter");
  const answer = box.locator(".msg.bot:not(.greeting)[data-status=done]");
  await answer.waitFor({ timeout: TIMEOUT });
  check(dropped, "the connection was never dropped");
  const text = await answer.textContent();
  check(/30 days/.test(text ?? ""), `the resumed answer is not the whole stored answer: ${text}`);
  check((await box.locator(".msg.bot:not(.greeting)").count()) === 1, "the broken-off answer was not replaced");
  check(dropErrors.length === 0, dropErrors.join("\n"));
  await dropping.close();
});

// ---- too many messages ----
await step("a visitor over the rate limit is told so in plain words and can try again", async () => {
  const busy = await browser.newContext();
  const busyPage = await busy.newPage();
  const busyErrors = watchErrors(busyPage);
  await busyPage.goto(demoUrl);
  await busyPage.locator("[data-animo-widget] button.launcher").waitFor({ state: "visible", timeout: TIMEOUT });
  await recordEvents(busyPage);
  // The server takes 20 messages a minute from one visitor by default; the 21st is refused.
  await busyPage.evaluate(() => {
    for (let n = 1; n <= 21; n += 1) window.Animo.send(`Question number ${n} about shipping`);
  });
  const box = busyPage.locator("[data-animo-widget] section.panel");
  const alert = box.locator(".alert[data-code=rate_limited]");
  await alert.waitFor({ timeout: TIMEOUT });
  const words = await alert.textContent();
  check(/wait/i.test(words ?? "") && !/rate_limited/.test(words ?? ""), `the notice is not in plain words: ${words}`);
  check((await box.locator(".msg.visitor[data-status=failed] .note button").count()) === 1, "the refused message offers no retry");
  const codes = (await events(busyPage, "error")).map((event) => event.detail.code);
  check(codes.includes("rate_limited"), `no rate_limited error event (${codes})`);
  await busyPage.screenshot({ path: artifact("rate-limited.png") });
  check(busyErrors.length === 0, busyErrors.join("\n"));
  await busy.close();
});

// ---- a passing failure at page load ----
await step("a config request that fails once is tried again and the launcher still appears", async () => {
  const flaky = await browser.newContext();
  let refusals = 0;
  await flaky.route(/\/v1\/embed\/[^/]+\/config/, (route) => {
    if (refusals === 0) {
      refusals += 1;
      return route.fulfill({
        status: 503,
        contentType: "application/json",
        headers: { "access-control-allow-origin": "*" },
        body: JSON.stringify({ code: "unavailable", message: "Restarting.", request_id: "e2e" }),
      });
    }
    return route.continue();
  });
  const flakyPage = await flaky.newPage();
  await flakyPage.goto(demoUrl);
  await flakyPage.locator("[data-animo-widget] button.launcher").waitFor({ state: "visible", timeout: TIMEOUT });
  check(refusals === 1, "the failing config request was not made");
  await flaky.close();
});

// ---- identify ----
await step("identify signs the visitor in with a valid signature and refuses a forged one", async () => {
  const secret = await ownerApi("POST", "/v1/tenant/identity-secret");
  const signature = createHmac("sha256", secret.secret).update("e2e-user").digest("hex");
  const identified = await browser.newContext();
  const userPage = await identified.newPage();
  await userPage.goto(demoUrl);
  await userPage.locator("[data-animo-widget] button.launcher").waitFor({ state: "visible", timeout: TIMEOUT });
  await recordEvents(userPage);
  const forged = await userPage.evaluate(() =>
    window.Animo.identify({ userId: "e2e-user", signature: "00" }).then(
      () => "accepted",
      () => "refused",
    ),
  );
  check(forged === "refused", "a forged signature was accepted");
  const codes = (await events(userPage, "error")).map((event) => event.detail.code);
  check(codes.includes("identity_invalid"), `no identity_invalid error event (${codes})`);
  await userPage.evaluate(() => window.Animo.open());
  const box = userPage.locator("[data-animo-widget] section.panel");
  await box.locator(".status[data-state=online]").waitFor({ timeout: TIMEOUT });
  const signed = await userPage.evaluate(
    (sig) => window.Animo.identify({ userId: "e2e-user", signature: sig }).then(() => "accepted", (error) => String(error)),
    signature,
  );
  check(signed === "accepted", `a valid signature was refused: ${signed}`);
  // The chat reconnects as the user and still answers.
  await box.locator(".status[data-state=online]").waitFor({ timeout: TIMEOUT });
  const textarea = box.locator("textarea");
  await textarea.fill("Can I return a mug?");
  await textarea.press("Enter");
  await box.locator(".msg.bot:not(.greeting)[data-status=done]").last().waitFor({ timeout: TIMEOUT });
  await identified.close();
});

// ---- WebSockets blocked (as by some proxies): the SSE fallback ----
await step("without WebSockets the chat answers over SSE", async () => {
  const blocked = await browser.newContext();
  await blocked.addInitScript(() => {
    // A socket that fails before opening, every time.
    window.WebSocket = class {
      constructor() {
        this.readyState = 0;
        setTimeout(() => {
          this.readyState = 3;
          this.onerror?.(new Event("error"));
          this.onclose?.(new CloseEvent("close", { code: 1006 }));
        }, 5);
      }
      send() {
        throw new Error("not open");
      }
      close() {}
    };
  });
  const ssePage = await blocked.newPage();
  const sseErrors = watchErrors(ssePage);
  await ssePage.goto(demoUrl);
  const button = ssePage.locator("[data-animo-widget] button.launcher");
  await button.waitFor({ state: "visible", timeout: TIMEOUT });
  await button.click();
  const box = ssePage.locator("[data-animo-widget] section.panel");
  const textarea = box.locator("textarea");
  await textarea.fill("How much does shipping cost?");
  await textarea.press("Enter");
  const answer = box.locator(".msg.bot:not(.greeting)[data-status=done]").last();
  await answer.waitFor({ timeout: TIMEOUT });
  const text = await answer.textContent();
  check(/euro/i.test(text ?? ""), `the SSE answer does not come from the demo knowledge: ${text}`);
  check((await answer.locator("ol.sources li").count()) > 0, "the SSE answer has no citations");
  check(sseErrors.length === 0, sseErrors.join("\n"));
  await blocked.close();
});

// ---- other origins ----
const XSS = "<img src=x onerror=\"window.__xss=1\">";
const xssBot = await hostileBot();
const pages = new Map();
const host = await hostPages(pages);
pages.set("/refused", snippetPage(base, embedId, "Not allowed"));

await step("a page on an origin the bot does not allow is refused politely", async () => {
  const other = await browser.newContext();
  const refused = await other.newPage();
  const warnings = [];
  refused.on("console", (message) => warnings.push(message.text()));
  await refused.goto(`${host.origin}/refused`);
  await refused.waitForFunction(() => window.Animo?.state.status !== "loading", null, { timeout: TIMEOUT });
  const state = await refused.evaluate(() => window.Animo.state);
  check(state.status === "refused" && state.code === "origin_not_allowed", `state is ${JSON.stringify(state)}`);
  check((await refused.locator("[data-animo-widget]").count()) === 0, "a launcher was drawn on a refused page");
  check(warnings.some((text) => text.includes("allowed origins")), "the site owner is not told why in the console");
  await other.close();
});

await step("hostile text from the tenant, the answer and the visitor stays inert under a strict CSP; auto-open; placement rules follow navigation", async () => {
  await xssBot.allow(host.origin);
  pages.set("/hostile", snippetPage(base, xssBot.embedId, "Hostile content"));
  const hostile = await browser.newContext();
  const xssPage = await hostile.newPage();
  const xssErrors = watchErrors(xssPage);
  await xssPage.addInitScript(() => {
    window.alert = () => (window.__xss = 1);
  });
  await xssPage.goto(`${host.origin}/hostile`);
  const button = xssPage.locator("[data-animo-widget] button.launcher");
  await button.waitFor({ state: "visible", timeout: TIMEOUT });
  // This bot opens by itself 300 ms after the page loads.
  const box = xssPage.locator("[data-animo-widget] section.panel");
  await box.waitFor({ state: "visible", timeout: TIMEOUT });
  const textarea = box.locator("textarea");
  await textarea.fill(`${XSS} [click](javascript:window.__xss=1) what is the secret code?`);
  await textarea.press("Enter");
  await box.locator(".msg.bot[data-status=done]").waitFor({ timeout: TIMEOUT });
  const report = await xssPage.evaluate(() => {
    const root = document.querySelector("[data-animo-widget]").shadowRoot;
    return {
      xss: window.__xss ?? null,
      images: root.querySelectorAll("img, script, iframe, object, embed, [onerror], [onload], [onclick], [onmouseover]").length,
      badLinks: [...root.querySelectorAll("a")].filter((a) => !/^(https?|mailto):/.test(a.href)).length,
      title: root.querySelector("h2")?.textContent ?? "",
      answer: root.querySelector(".msg.bot:not(.greeting)")?.textContent ?? "",
      greeting: root.querySelector(".greeting")?.textContent ?? "",
      visitor: root.querySelector(".msg.visitor")?.textContent ?? "",
    };
  });
  await xssPage.screenshot({ path: artifact("hostile.png") });
  const launcherColor = await button.evaluate((element) => getComputedStyle(element).backgroundColor);
  check(launcherColor !== "rgba(0, 0, 0, 0)", "the launcher is unstyled: the page's CSP blocked the widget's styles");
  check(report.xss === null, "a payload ran");
  check(report.images === 0, `${report.images} elements from payloads reached the DOM`);
  check(report.badLinks === 0, "a link with an unsafe scheme reached the DOM");
  check(report.title.includes("<img"), `the bot name is not shown as text: ${report.title}`);
  check(report.greeting.includes("<script>"), `the greeting is not shown as text: ${report.greeting}`);
  check(report.visitor.includes("<img"), `the visitor's text is not shown as text: ${report.visitor}`);
  check(report.answer.includes("<svg"), `the answer is not shown as text: ${report.answer}`);
  check(xssErrors.length === 0, xssErrors.join("\n"));

  // The same bot excludes pages matching *hidden=1*: a navigation there hides the widget, and back shows it.
  await xssPage.evaluate(() => history.pushState({}, "", "/hostile?hidden=1"));
  await button.waitFor({ state: "hidden", timeout: TIMEOUT });
  check(await box.isHidden(), "the chat stayed open on an excluded page");
  await xssPage.evaluate(() => history.back());
  await button.waitFor({ state: "visible", timeout: TIMEOUT });
  await hostile.close();
});

await host.close();
await browser.close();
console.log(`e2e: all scenarios passed; screenshots in ${artifact("")}`);

/** Calls the control-plane API as the demo owner (the demo's documented local credentials). */
async function ownerApi(method, path, body) {
  ownerToken ??= (await rawApi("POST", "/v1/auth/login", null, { email: "demo@animo.localhost", password: "animo-demo-password" }))
    .tokens.access_token;
  return rawApi(method, path, ownerToken, body);
}

async function rawApi(method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    fail(`${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
  }
  return json;
}

/**
 * A second published bot of the demo tenant whose name, greeting and
 * curated answer are payloads; the offline responder answers with that
 * answer, as a model could. Made (or found) through the control-plane API
 * with the demo owner's documented credentials.
 */
async function hostileBot() {
  const name = `${XSS} Bot`;
  const personality = {
    name,
    greeting: "<script>window.__xss=1</script> Hello [x](javascript:window.__xss=1)",
    faq: [
      {
        question: "What is the secret code?",
        answer: "<svg onload=\"window.__xss=1\"></svg> The code is [here](javascript:window.__xss=1) and ![i](x)",
      },
    ],
  };
  const { bots } = await ownerApi("GET", "/v1/bots");
  let bot = bots.find((candidate) => candidate.draft.personality.name === name);
  if (!bot) {
    bot = await ownerApi("POST", "/v1/bots", { personality, allowed_origins: [] });
  }
  return {
    embedId: bot.embed_id,
    async allow(origin) {
      await ownerApi("PATCH", `/v1/bots/${bot.id}`, {
        personality,
        allowed_origins: [origin],
        placement: { exclude: ["*hidden=1*"], auto_open_delay_ms: 300 },
      });
      await ownerApi("POST", `/v1/bots/${bot.id}/publish`, { note: "e2e" });
    },
  };
}
