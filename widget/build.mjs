// Builds the widget into dist/: the loader (embed.js, a classic script the
// server serves at a fixed, short-cached URL) and the content-hashed ES module
// chunks under dist/widget/ (chat, avatar and what they share), which the
// server serves with immutable caching. The loader learns the hashed names at
// build time, so a deploy changes embed.js alone and every chunk URL is new.
//
// Usage: node build.mjs [--dev]   (--dev keeps the code readable, with source maps)
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const dev = process.argv.includes("--dev");
const avatarEntry = join(root, "src/avatar/index.ts");

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "widget"), { recursive: true });

const entryPoints = { chat: join(root, "src/chat/index.ts") };
// The avatar chunk is optional: without it the chat shows the 2D poster.
const hasAvatar = existsSync(avatarEntry);
if (hasAvatar) {
  entryPoints.avatar = avatarEntry;
} else {
  console.warn("build: src/avatar/index.ts is absent; the widget will show the 2D poster only");
}

const common = {
  // Paths in the metafile are relative to this, whatever folder the build is started from.
  absWorkingDir: root,
  bundle: true,
  minify: !dev,
  sourcemap: dev ? "linked" : false,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
  charset: "utf8",
};

const chunks = await esbuild.build({
  ...common,
  entryPoints,
  outdir: join(dist, "widget"),
  format: "esm",
  splitting: true,
  entryNames: "[name]-[hash]",
  chunkNames: "shared-[hash]",
  metafile: true,
});

/** The output file of a named entry, relative to dist/. */
function outputOf(entry) {
  for (const [file, output] of Object.entries(chunks.metafile.outputs)) {
    if (output.entryPoint !== undefined && join(root, output.entryPoint) === entryPoints[entry]) {
      return relative(dist, join(root, file)).split("\\").join("/");
    }
  }
  throw new Error(`build: no output for the ${entry} entry`);
}

const chat = outputOf("chat");
const avatar = hasAvatar ? outputOf("avatar") : null;

await esbuild.build({
  ...common,
  entryPoints: [join(root, "src/loader/embed.ts")],
  outfile: join(dist, "embed.js"),
  format: "iife",
  define: {
    __ANIMO_CHAT_CHUNK__: JSON.stringify(chat),
    __ANIMO_AVATAR_CHUNK__: JSON.stringify(avatar),
  },
});

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

const files = listFiles(dist)
  .filter((path) => path.endsWith(".js"))
  .map((path) => {
    const bytes = readFileSync(path);
    return {
      path: relative(dist, path).split("\\").join("/"),
      bytes: bytes.length,
      gzip_bytes: gzipSync(bytes, { level: 9 }).length,
    };
  })
  .sort((a, b) => a.path.localeCompare(b.path));

writeFileSync(join(dist, "manifest.json"), `${JSON.stringify({ files, chat, avatar }, null, 2)}\n`);
for (const file of files) {
  console.log(`${file.path.padEnd(40)} ${String(file.bytes).padStart(8)} B  ${String(file.gzip_bytes).padStart(7)} B gzip`);
}
