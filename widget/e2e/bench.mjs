// Widget benchmark: the gzipped size of each built file (from
// dist/manifest.json), the time from inserting the snippet's script to the
// launcher being on the page, and from opening the chat to the avatar's
// first frame (software GL), as medians over fresh browser contexts (cold
// caches), printed as plain lines.
//   ANIMO_E2E_BASE, ANIMO_E2E_EMBED_ID  as for the browser test (a running
//                                       server with the demo bot)
//   ANIMO_E2E_DEMO_URL                  optional page embedding the demo bot (default $BASE/demo)
//   ANIMO_BENCH_RUNS                    runs per figure (default 5)
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { env, fail, launch } from "./lib.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let manifest;
try {
  manifest = JSON.parse(readFileSync(join(root, "dist/manifest.json"), "utf8"));
} catch {
  fail("dist/manifest.json is missing; run `npm run build` first");
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
for (const file of manifest.files) {
  const role = file.path === "embed.js" ? "loader" : file.path === manifest.chat ? "chat" : file.path === manifest.avatar ? "avatar" : "shared";
  console.log(`size ${role.padEnd(6)} ${file.path.padEnd(34)} ${kb(file.gzip_bytes).padStart(9)} gzip  ${kb(file.bytes).padStart(9)} raw`);
}

const base = env("ANIMO_E2E_BASE").replace(/\/$/, "");
const embedId = env("ANIMO_E2E_EMBED_ID");
const demoUrl = env("ANIMO_E2E_DEMO_URL", `${base}/demo`);
const runs = Number(env("ANIMO_BENCH_RUNS", "5"));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const browser = await launch();
const launcherMs = [];
const avatarMs = [];
for (let run = 0; run < runs; run += 1) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // The demo page's own snippet is held back, so the script is inserted (and timed) here.
  const held = (url) => url.pathname.endsWith("/embed.js");
  await page.route(held, (route) => route.abort());
  await page.goto(demoUrl);
  await page.unroute(held);
  const launcher = await page.evaluate(
    ([src, id]) =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const visible = () => {
          const button = document.querySelector("[data-animo-widget]")?.shadowRoot?.querySelector(".launcher");
          const box = button?.getBoundingClientRect();
          return box !== undefined && box.width > 0 && box.height > 0;
        };
        // Checked on every DOM change and every frame, whichever sees it first.
        const observer = new MutationObserver(() => visible() && done());
        const tick = () => (visible() ? done() : requestAnimationFrame(tick));
        const done = () => {
          observer.disconnect();
          resolve(performance.now() - started);
        };
        setTimeout(() => reject(new Error(`no launcher after 20 s (Animo.state ${JSON.stringify(window.Animo?.state)})`)), 20_000);
        observer.observe(document.documentElement, { childList: true, subtree: true });
        const script = document.createElement("script");
        script.async = true;
        script.src = src;
        script.dataset.embedId = id;
        document.body.append(script);
        requestAnimationFrame(tick);
      }),
    [`${base}/embed.js`, embedId],
  ).catch((error) => fail(error.message));
  launcherMs.push(launcher);

  const avatar = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error("no stage after 60 s")), 60_000);
        let started = 0;
        window.Animo.on("stage", (stage) => {
          if (stage.kind !== "avatar") {
            reject(new Error(`the poster was shown (${stage.reason})`));
          }
          resolve(performance.now() - started);
        });
        started = performance.now();
        window.Animo.open();
      }),
  ).catch((error) => fail(`open → avatar: ${error.message}`));
  avatarMs.push(avatar);
  await context.close();
}
await browser.close();

const figures = (values) => `median ${median(values).toFixed(0)} ms (runs: ${values.map((v) => v.toFixed(0)).join(", ")})`;
console.log(`time script inserted → launcher visible: ${figures(launcherMs)}`);
console.log(`time open → first avatar frame:          ${figures(avatarMs)}`);
