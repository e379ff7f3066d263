/**
 * The built command-line tool is one file bundled by esbuild (`scripts/bundle-cli.mjs`).
 * These tests bundle it into a temporary folder and check that it prints exactly what
 * `src/main.ts` prints. A bundling fault, such as a module left out or a `require` that
 * an ES module cannot make, then fails a test instead of hiding behind the sources.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { repoRoot, runCli } from "./support/cli.js"

const run = promisify(execFile)
const home = path.join(repoRoot, "fixtures/mux-home/.mux")
let folder = ""
let bundle = ""

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "mux-bundle-"))
  bundle = path.join(folder, "main.js")
  await run(process.execPath, [path.join(repoRoot, "scripts/bundle-cli.mjs"), bundle])
}, 60_000)

afterAll(() => {
  if (folder !== "") fs.rmSync(folder, { recursive: true, force: true })
})

describe("the bundled CLI", () => {
  it("starts with a Node shebang", () => {
    expect(fs.readFileSync(bundle, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true)
  })

  for (const args of [
    ["records", "--root", home],
    ["summary", "--json", "--by", "project", "--root", home],
    ["check", "--json", "--root", home],
    ["summary", "--since", "nonsense", "--root", home]
  ]) {
    it(`matches src/main.ts: ${args.slice(0, -2).join(" ")}`, async () => {
      const [bundled, source] = await Promise.all([runCli(args, { script: bundle }), runCli(args)])
      expect(bundled.status).toBe(source.status)
      expect(bundled.stdout).toBe(source.stdout)
      expect(bundled.stderr).toBe(source.stderr)
      if (args.includes("nonsense")) expect(bundled.status).toBe(2)
      else expect(bundled.stdout.length).toBeGreaterThan(100)
    }, 60_000)
  }
})
