import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { repoRoot, runCli } from "./support/cli.js"

const FIXTURE_HOME = path.join(repoRoot, "fixtures/mux-home/.mux")
const BROKEN_HOME = path.join(repoRoot, "fixtures/cases/10-malformed-beside-good/home/.mux")

describe("command line edges", () => {
  it("closed stderr pipe exits 0", async () => {
    // The broken home makes summary write its warnings to stderr after the reader is gone.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "src/main.ts"), "summary", "--root", BROKEN_HOME], {
      cwd: repoRoot,
      stdio: ["ignore", "ignore", "pipe"]
    })
    child.stderr.destroy()
    const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))

    expect(status).toBe(0)
  })

  it("empty TZ falls back to UTC", async () => {
    const result = await runCli(["summary", "--root", FIXTURE_HOME, "--by", "day", "--json"], { env: { TZ: "" } })

    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout).totals.totalTokens).toBe(25096337)
    expect(result.stderr).not.toContain("--timezone")
  })

  it("--root without a path is rejected", async () => {
    const result = await runCli(["summary", "--root"], { env: { HOME: path.join(repoRoot, "fixtures/mux-home") } })

    expect(result.status).toBe(2)
    expect(result.stderr).toContain("invalid --root")
    expect(result.stdout).toBe("")
  })

  it("--until before --since is rejected", async () => {
    const result = await runCli(["summary", "--root", FIXTURE_HOME, "--since", "2026-10-01", "--until", "2026-09-01"])

    expect(result.status).toBe(2)
    expect(result.stderr).toContain("--until is before --since")
  })
})
