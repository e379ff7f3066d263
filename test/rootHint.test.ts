import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { repoRoot, runCli } from "./support/cli.js"

describe("--root that is not a home", () => {
  it("names the home inside it", async () => {
    const result = await runCli(["summary", "--root", path.join(repoRoot, "fixtures/mux-home")])

    expect(result.status).toBe(2)
    expect(result.stderr).toContain(`but ${path.join(repoRoot, "fixtures/mux-home/.mux")} does`)
    expect(result.stdout).toBe("")
  })

  it("rejects an empty folder", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "mux-empty-root-"))
    try {
      const result = await runCli(["summary", "--root", empty, "--json"])

      expect(result.status).toBe(2)
      expect(result.stderr).toContain("has no sessions/ or config.json, so it is not a Mux home")
      expect(result.stdout).toBe("")
    } finally {
      fs.rmSync(empty, { recursive: true, force: true })
    }
  })
})
