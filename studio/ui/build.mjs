// Builds the Studio's front-end into dist/, which tauri.conf.json's
// frontendDist points at and the Studio embeds when it is compiled.
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
cpSync("static", "dist", { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  sourcemap: "linked",
  format: "esm",
  target: "es2020",
  outfile: "dist/main.js",
  logLevel: "warning",
});
