/**
 * Tests of the CLI as a child process on a home of 3,000 workspaces, 1% of them damaged.
 * They cover a reader that closes the pipe after one line, Ctrl-C in the middle of a run,
 * `check --json` on every damaged ledger, `--strict`, and an invalid `--since`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { repoRoot, runCli } from "./support/cli.js"

const MAKE_HOME = "/work/shared/tools/make-mux-home.mjs"
const WORKSPACES = 3000

let base = ""
let home = ""
let damagedIds: Array<string> = []

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "mux-cli-stress-")))
  home = path.join(base, ".mux")
  const manifest = path.join(base, "damaged.txt")
  execFileSync(process.execPath, [
    MAKE_HOME,
    "--out",
    home,
    "--workspaces",
    String(WORKSPACES),
    "--bad",
    "0.01",
    "--manifest",
    manifest
  ])
  damagedIds = fs.readFileSync(manifest, "utf8").split("\n").filter((line) => line !== "")
})

afterAll(() => {
  if (base !== "") fs.rmSync(base, { recursive: true, force: true })
})

/** Starts the CLI the way `runCli` does, but hands over the streams so a test can read and close them. */
const startCli = (args: ReadonlyArray<string>): ChildProcessWithoutNullStreams =>
  spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "src/main.ts"), ...args], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "pipe"]
  })

interface Ended {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
}

const whenClosed = (child: ChildProcess): Promise<Ended> =>
  new Promise((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (status, signal) => resolve({ status, signal }))
  })

const collectText = (stream: NodeJS.ReadableStream): { readonly text: () => string } => {
  let text = ""
  stream.setEncoding("utf8")
  stream.on("data", (chunk: string) => (text += chunk))
  return { text: () => text }
}

/** A line of a V8 stack trace, as an uncaught error or a logged defect prints it. */
const STACK_LINE = /^\s+at .+/m

describe("records into a closed pipe", () => {
  let ended: Ended
  let firstLine = ""
  let stderr = ""

  beforeAll(async () => {
    const child = startCli(["records", "--root", home])
    const errors = collectText(child.stderr)
    const closed = whenClosed(child)
    firstLine = await new Promise<string>((resolve) => {
      let buffered = ""
      child.stdout.setEncoding("utf8")
      child.stdout.on("data", (chunk: string) => {
        buffered += chunk
        const newline = buffered.indexOf("\n")
        // Like `head -1`: keep the first line and close the pipe.
        if (newline !== -1) {
          child.stdout.destroy()
          resolve(buffered.slice(0, newline))
        }
      })
    })
    ended = await closed
    stderr = errors.text()
  })

  it("exits with status 0", () => {
    expect(ended).toEqual({ status: 0, signal: null })
  })

  it("prints no stack trace", () => {
    expect(stderr).not.toMatch(STACK_LINE)
  })

  it("first line is a record", () => {
    expect(JSON.parse(firstLine)).toMatchObject({ v: 1, source: "mux" })
  })
})

interface Interrupted {
  readonly ended: Ended
  readonly stdout: string
}

/**
 * Runs `records` and sends SIGINT once the first bytes arrive. Reading pauses around the
 * signal, so the run is blocked on a full pipe when the signal arrives, then resumes so
 * the process can finish writing.
 */
const interruptRecords = async (root: string): Promise<Interrupted> => {
  const child = startCli(["records", "--root", root])
  const closed = whenClosed(child)
  const output = collectText(child.stdout)
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()))
  child.stdout.pause()
  await new Promise((resolve) => setTimeout(resolve, 300))
  child.kill("SIGINT")
  await new Promise((resolve) => setTimeout(resolve, 200))
  child.stdout.resume()
  return { ended: await closed, stdout: output.text() }
}

/** Returns the lines of JSON Lines output that do not parse. The text after the last newline is left out. */
const invalidJsonLines = (stdout: string): Array<string> =>
  stdout
    .split("\n")
    .slice(0, -1)
    .filter((line) => {
      try {
        JSON.parse(line)
        return false
      } catch {
        return true
      }
    })
    .map((line) => line.slice(0, 80))

/** Creates a home whose records are 200 KB lines, from workspace titles that long, so every write is larger than a pipe buffer. */
const makeLongTitleHome = (): string => {
  const longHome = path.join(base, "long-titles", ".mux")
  const bucket = { tokens: 10, cost_usd: 0.5 }
  const workspaces = []
  for (let index = 0; index < 40; index++) {
    const id = `7a7a${String(index).padStart(6, "0")}`
    workspaces.push({ id, title: `${"t".repeat(200_000)} ${index}` })
    const ledger = { byModel: { "anthropic:claude-opus-4-6": { input: bucket, cached: bucket, cacheCreate: bucket, output: bucket, reasoning: bucket } }, version: 1 }
    fs.mkdirSync(path.join(longHome, "sessions", id), { recursive: true })
    fs.writeFileSync(path.join(longHome, "sessions", id, "session-usage.json"), JSON.stringify(ledger, null, 2))
  }
  fs.writeFileSync(path.join(longHome, "config.json"), JSON.stringify({ projects: [["/src/shop", { workspaces }]] }))
  return longHome
}

describe.each([
  { name: "3,000 workspaces", makeHome: () => home },
  { name: "200 KB lines", makeHome: makeLongTitleHome }
])("records interrupted with SIGINT ($name)", ({ makeHome }) => {
  let interrupted: Interrupted

  beforeAll(async () => {
    interrupted = await interruptRecords(makeHome())
  })

  it("exits with 130 or the signal", () => {
    const { ended } = interrupted
    expect(ended.status === 130 || ended.signal === "SIGINT", JSON.stringify(ended)).toBe(true)
  })

  it("output ends with a newline", () => {
    expect(interrupted.stdout.endsWith("\n")).toBe(true)
  })

  it("every line is valid JSON", () => {
    expect(invalidJsonLines(interrupted.stdout)).toEqual([])
  })
})

/**
 * Runs `records` with stdout going to a file, which never blocks, and sends SIGINT once
 * the file has some output. Returns how the process ended and the lines it wrote.
 */
const interruptRecordsToFile = async (root: string, outputFile: string): Promise<{ ended: Ended; lines: number }> => {
  const output = fs.openSync(outputFile, "w")
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "src/main.ts"), "records", "--root", root], {
    cwd: repoRoot,
    stdio: ["ignore", output, "ignore"]
  })
  fs.closeSync(output)
  const ended = whenClosed(child)
  while (fs.statSync(outputFile).size === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  child.kill("SIGINT")
  const result = await ended
  return { ended: result, lines: fs.readFileSync(outputFile, "utf8").split("\n").length - 1 }
}

describe("records to a file interrupted with SIGINT", () => {
  let interrupted: { ended: Ended; lines: number }
  let allLines = 0

  beforeAll(async () => {
    const bigHome = path.join(base, "twenty-thousand", ".mux")
    execFileSync(process.execPath, [MAKE_HOME, "--out", bigHome, "--workspaces", "20000", "--bad", "0.01"])
    const complete = await runCli(["records", "--root", bigHome])
    allLines = complete.stdout.split("\n").length - 1
    interrupted = await interruptRecordsToFile(bigHome, path.join(base, "interrupted.jsonl"))
  }, 120_000)

  it("exits with 130", () => {
    expect(interrupted.ended, JSON.stringify(interrupted.ended)).toEqual({ status: 130, signal: null })
  })

  it("stops before the last record", () => {
    expect(interrupted.lines).toBeGreaterThan(0)
    expect(interrupted.lines).toBeLessThan(allLines)
  })
})

interface CheckJson {
  readonly ledgers: ReadonlyArray<{ readonly workspaceId: string; readonly status: string; readonly codes: ReadonlyArray<string> }>
  readonly errors: ReadonlyArray<{ readonly code: string; readonly workspaceId?: string; readonly path: string }>
  readonly counts: { readonly errors: number }
}

/**
 * The error code a damaged ledger of make-mux-home.mjs must get, decided from the file
 * alone: text that does not parse is malformed, an object without `byModel` has no
 * usage, and a parsed `byModel` contains the entry with `"tokens": "12"`.
 */
const expectedCode = (ledgerText: string): string => {
  let parsed: unknown
  try {
    parsed = JSON.parse(ledgerText)
  } catch {
    return "ledger-malformed"
  }
  return typeof parsed === "object" && parsed !== null && "byModel" in parsed ? "model-entry-invalid" : "ledger-no-by-model"
}

describe("check --json on damaged ledgers", () => {
  let status: number | null = null
  let report: CheckJson

  beforeAll(async () => {
    const result = await runCli(["check", "--root", home, "--json"])
    status = result.status
    report = JSON.parse(result.stdout) as CheckJson
  })

  it("exits with status 0", () => {
    expect(status).toBe(0)
  })

  it("lists every ledger once", () => {
    expect(report.ledgers).toHaveLength(WORKSPACES)
  })

  it("errors name the damaged workspaces", () => {
    const withErrors = new Set(report.errors.map((error) => error.workspaceId))
    expect([...withErrors].sort()).toEqual([...damagedIds].sort())
  })

  it("each damage has its code", () => {
    const byWorkspace = new Map(report.errors.map((error) => [error.workspaceId, error.code]))
    const mismatches = damagedIds
      .map((id) => {
        const text = fs.readFileSync(path.join(home, "sessions", id, "session-usage.json"), "utf8")
        return { id, expected: expectedCode(text), actual: byWorkspace.get(id) }
      })
      .filter((row) => row.actual !== row.expected)
    expect(mismatches).toEqual([])
  })

  it("ledger codes match errors", () => {
    const fromErrors = new Map<string, Array<string>>()
    for (const error of report.errors) {
      if (error.workspaceId !== undefined) fromErrors.set(error.workspaceId, [...(fromErrors.get(error.workspaceId) ?? []), error.code])
    }
    const mismatches = report.ledgers.filter((ledger) =>
      JSON.stringify(ledger.codes) !== JSON.stringify(fromErrors.get(ledger.workspaceId) ?? [])
    )
    expect(mismatches).toEqual([])
  })

  it("counts one error per damage", () => {
    expect(report.counts.errors).toBe(damagedIds.length)
  })
})

describe("exit status of failing runs", () => {
  it("--strict exits with 1", async () => {
    const result = await runCli(["summary", "--root", home, "--strict"])
    expect(result.status).toBe(1)
  })

  it("invalid --since exits with 2", async () => {
    const result = await runCli(["summary", "--root", home, "--since", "last-tuesday"])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain("last-tuesday")
  })
})
