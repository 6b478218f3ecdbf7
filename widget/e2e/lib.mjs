// Shared pieces of the browser end-to-end test and the benchmark: the
// environment, Debian's Chromium through playwright-core, a host-page
// server on its own loopback origin, and pixel checks.
import { mkdirSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** Reads a required environment variable or stops with a clear message. */
export function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") {
    fail(`${name} is not set (expected: ANIMO_E2E_BASE, ANIMO_E2E_EMBED_ID, ANIMO_E2E_ARTIFACTS)`);
  }
  return value;
}

export function fail(message) {
  console.error(`e2e: FAILED: ${message}`);
  process.exit(1);
}

export const CHROMIUM = "/usr/bin/chromium";

export async function launch() {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // WebGL on SwiftShader (software GL) without the deprecation fallback path.
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
      ],
    });
  } catch (error) {
    fail(`could not start ${CHROMIUM} (install it with: apt-get install -y chromium): ${error.message}`);
  }
}

/** The artifacts folder, created. */
export function artifacts() {
  // By default under the repository's ignored artifacts/ folder.
  const dir = env("ANIMO_E2E_ARTIFACTS", fileURLToPath(new URL("../../artifacts/widget-e2e", import.meta.url)));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function artifact(name) {
  return join(artifacts(), name);
}

/**
 * Serves host pages from a second loopback origin (`http://localhost:PORT`,
 * not the server's `127.0.0.1`), so the pages are cross-origin to the
 * server as a tenant's site is. `pages` maps a path to HTML.
 */
export async function hostPages(pages) {
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const html = pages.get(path);
    if (html === undefined) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found");
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end(html);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { origin: `http://localhost:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * A host page with the widget's snippet, under a strict Content-Security-Policy
 * of the kind careful sites send: scripts and connections only to the page
 * and the widget's server, and no inline styles at all.
 */
export function snippetPage(base, embedId, title = "Host page") {
  const escape = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const server = new URL(base);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${server.origin}`,
    `connect-src 'self' ${server.origin} ws://${server.host} wss://${server.host}`,
    "style-src 'self'",
    "img-src 'self' data:",
  ].join("; ");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escape(csp)}"><title>${escape(title)}</title><link rel="icon" href="data:,"></head>
<body><h1>${escape(title)}</h1><p>A page of a tenant's site.</p>
<script async src="${escape(base)}/embed.js" data-embed-id="${escape(embedId)}"></script></body></html>`;
}

/**
 * Collects console errors, uncaught exceptions and failed responses of a
 * page. A failed response is reported with its URL (the console's "Failed to
 * load resource" line does not name it); the browser's own favicon request
 * is not the widget's.
 */
export function watchErrors(page) {
  const errors = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) {
      errors.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  page.on("requestfailed", (request) => {
    // Navigations away abort what was in flight; those are not failures.
    if (request.failure()?.errorText !== "net::ERR_ABORTED") {
      errors.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
    }
  });
  return errors;
}

/** Starts recording the widget's public events in `window.__animoEvents`. */
export async function recordEvents(page) {
  await page.waitForFunction(() => window.Animo !== undefined, null, { timeout: 15_000 });
  await page.evaluate(() => {
    if (window.__animoEvents) return;
    window.__animoEvents = [];
    for (const name of ["open", "close", "message", "cue", "stage", "connection", "error"]) {
      window.Animo.on(name, (detail) => window.__animoEvents.push({ name, detail, at: performance.now() }));
    }
  });
}

export async function events(page, name) {
  return page.evaluate((wanted) => window.__animoEvents.filter((event) => event.name === wanted), name);
}

/**
 * What a canvas drew: the share of its pixels that change when it is hidden
 * (0 when it drew nothing over the page), and the share of its most common
 * colour (1 for a uniform fill with no figure). The PNGs are decoded by the
 * browser itself, so no image library is needed.
 */
export async function canvasPaint(page, canvas) {
  const box = await canvas.boundingBox();
  if (!box) {
    return { changed: 0, uniform: 1 };
  }
  const clip = { x: box.x, y: box.y, width: box.width, height: box.height };
  const shown = await page.screenshot({ type: "png", clip });
  await canvas.evaluate((element) => (element.style.visibility = "hidden"));
  const hidden = await page.screenshot({ type: "png", clip });
  await canvas.evaluate((element) => (element.style.visibility = ""));
  return page.evaluate(
    async ([a, b]) => {
      const pixels = async (base64) => {
        const image = new Image();
        image.src = `data:image/png;base64,${base64}`;
        await image.decode();
        const canvas = document.createElement("canvas");
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext("2d");
        context.drawImage(image, 0, 0);
        return context.getImageData(0, 0, canvas.width, canvas.height).data;
      };
      const [shown, hidden] = [await pixels(a), await pixels(b)];
      let changed = 0;
      const counts = new Map();
      for (let i = 0; i < shown.length; i += 4) {
        const delta = Math.max(
          Math.abs(shown[i] - hidden[i]),
          Math.abs(shown[i + 1] - hidden[i + 1]),
          Math.abs(shown[i + 2] - hidden[i + 2]),
        );
        if (delta > 24) changed += 1;
        const key = (shown[i] >> 3) | ((shown[i + 1] >> 3) << 5) | ((shown[i + 2] >> 3) << 10);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const total = shown.length / 4;
      return { changed: changed / total, uniform: Math.max(...counts.values()) / total };
    },
    [shown.toString("base64"), hidden.toString("base64")],
  );
}
