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

describe("--max-ledger-bytes", () => {
  for (const value of ["1e3", "0x100", "0", "1.5", "99999999999999999999", "12 "]) {
    it(`rejects ${JSON.stringify(value)}`, async () => {
      const result = await runCli(["summary", "--root", FIXTURE_HOME, "--max-ledger-bytes", value])

      expect(result.status).toBe(2)
      expect(result.stderr).toContain(`invalid --max-ledger-bytes ${JSON.stringify(value)}: expected a positive whole number of bytes`)
      expect(result.stdout).toBe("")
    })
  }

  it("escapes a control character in the value", async () => {
    const result = await runCli(["summary", "--root", FIXTURE_HOME, "--max-ledger-bytes", "1\u001b[31m"])

    expect(result.status).toBe(2)
    expect(result.stderr).toContain("invalid --max-ledger-bytes \"1\\u001b[31m\"")
    expect(result.stderr).not.toContain("\u001b")
  })

  it("takes a decimal limit", async () => {
    const result = await runCli(["check", "--json", "--root", FIXTURE_HOME, "--max-ledger-bytes", "100"])
    const report = JSON.parse(result.stdout) as { errors: Array<{ code: string }> }

    expect(report.errors.length).toBeGreaterThan(0)
    expect(report.errors.every((error) => error.code === "ledger-too-large")).toBe(true)
  })
})

describe("arguments @effect/cli rejects", () => {
  it("are quoted with control and bidi characters escaped", async () => {
    const result = await runCli(["records", "\u202e\u001b[31mname"])

    expect(result.status).toBe(2)
    expect(result.stderr).toContain("\\u202e\\x1b[31mname")
    expect(result.stderr).not.toContain("\u001b")
    expect(result.stderr).not.toContain("\u202e")
  })
})
