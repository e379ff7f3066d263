// Bundles the command-line tool into one file, dist/main.js, after `tsc` has built the library.
//
//   node scripts/bundle-cli.mjs [outfile]       (npm run build runs it)
//
// Loading `effect`, `@effect/cli` and `@effect/platform` module by module costs the CLI about
// half a second and 15 MB at every start. esbuild keeps only the code the CLI uses, in one
// file, which starts in about a third of the time. The library (`dist/index.js`) stays
// unbundled, so a program that imports it shares its own copy of `effect`.
import * as esbuild from "esbuild"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..")
const outfile = process.argv[2] ?? join(repoRoot, "dist", "main.js")

await esbuild.build({
  entryPoints: [join(repoRoot, "src", "main.ts")],
  outfile,
  bundle: true,
  // Minified names save about 14 MB of memory at start-up. The source map carries the
  // sources, so `node --enable-source-maps dist/main.js` names them in a stack trace
  // without the `src/` folder, which the package does not ship.
  minify: true,
  sourcemap: true,
  sourcesContent: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The ES module builds of the Effect packages, which esbuild can prune.
  mainFields: ["module", "main"],
  // Some bundled CommonJS dependencies call `require` for Node's own modules, which an
  // ES module does not have.
  banner: {
    js: "import { createRequire as __createRequire } from \"node:module\";\nconst require = __createRequire(import.meta.url);"
  },
  logLevel: "warning"
})
