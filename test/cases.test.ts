/**
 * The values each fixtures/cases/<NN>/case.md states, checked through real CLI child
 * processes. Each case starts its commands at once in `beforeAll`, because a spawn
 * costs about a second; the tests then read the saved results.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type TokenUsage, totalTokens, type TurnRecord } from "../src/domain/TurnRecord.js"
import { type CliResult, repoRoot, runCli } from "./support/cli.js"

const CASES = path.join(repoRoot, "fixtures", "cases")

/** Each spawn compiles the CLI with tsx, so one case's commands can outlast the 60 s default on a busy machine. */
const HOOK_TIMEOUT_MS = 120_000

const caseHome = (caseName: string) => path.join(CASES, caseName, "home", ".mux")

// == Shapes of the JSON output, as far as these tests read them

interface SpendCost {
  readonly usd: number | null
  readonly basis: string
  readonly includedTokens: number
  readonly partlyIncludedTokens: number
}

interface SpendRow {
  readonly key: string
  readonly label?: string
  readonly records: number
  readonly workspaces: number
  readonly usage: TokenUsage
  readonly totalTokens: number
  readonly cost: SpendCost
}

interface SummaryJson {
  readonly rows: ReadonlyArray<SpendRow>
  readonly totals: Omit<SpendRow, "key" | "label">
  readonly ledgers: { readonly counted: number; readonly failed: number }
  readonly errorCount: number
}

interface CheckJson {
  readonly homes: ReadonlyArray<{ readonly path: string; readonly aliases: ReadonlyArray<string> }>
  readonly ledgers: ReadonlyArray<{
    readonly workspaceId: string
    readonly path: string
    readonly status: string
    readonly records: number
    readonly codes: ReadonlyArray<string>
  }>
  readonly errors: ReadonlyArray<{
    readonly code: string
    readonly path: string
    readonly workspaceId: string
    readonly kind?: string
    readonly version?: unknown
    readonly modelKey?: string
    readonly field?: string
    readonly message: string
  }>
}

const parseJson = <T>(result: CliResult | undefined): T => {
  if (result === undefined) throw new Error("the command did not run")
  return JSON.parse(result.stdout) as T
}

/** Runs several CLI commands at once and returns their results by name. */
const runAll = async <K extends string>(
  commands: Record<K, { readonly args: ReadonlyArray<string>; readonly env?: Record<string, string | undefined> }>
): Promise<Record<K, CliResult>> => {
  const entries = await Promise.all(
    Object.entries<{ readonly args: ReadonlyArray<string>; readonly env?: Record<string, string | undefined> }>(
      commands
    ).map(async ([name, command]) => [name, await runCli(command.args, command.env ? { env: command.env } : {})] as const)
  )
  return Object.fromEntries(entries) as Record<K, CliResult>
}

const mapValues = <K extends string, A, B>(record: Record<K, A>, f: (value: A) => B): Record<K, B> =>
  Object.fromEntries(Object.entries<A>(record).map(([key, value]) => [key, f(value)])) as Record<K, B>

/** Asserts that two dollar figures agree within 1e-9 relative. */
const expectUsd = (actual: number | null | undefined, expected: number) => {
  expect(typeof actual).toBe("number")
  expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-9)
}


/** Runs `records --json` and `summary --by model` as a table and as JSON on one home. */
const runCostCommands = (home: string) =>
  runAll({
    records: { args: ["records", "--root", home, "--json"] },
    table: { args: ["summary", "--root", home, "--by", "model"] },
    summary: { args: ["summary", "--root", home, "--by", "model", "--json"] }
  })

const recordByKey = (records: ReadonlyArray<TurnRecord>, modelKey: string): TurnRecord => {
  const record = records.find((candidate) => candidate.modelKey === modelKey)
  if (record === undefined) throw new Error(`no record for ${modelKey}`)
  return record
}

// == 03: homes that are symbolic links to one folder

describe("case 03 symlinked homes", () => {
  let caseDir = ""
  let results: Record<"homeOnly" | "threeRoots" | "muxRoot" | "checkJson", CliResult>

  beforeAll(async () => {
    const copyParent = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "mux-collector-case03-")))
    caseDir = path.join(copyParent, "03-symlinked-homes")
    // The links are part of the case: copy them as links, as `cp -a` does.
    fs.cpSync(path.join(CASES, "03-symlinked-homes"), caseDir, { recursive: true, verbatimSymlinks: true })
    const home = path.join(caseDir, "home")
    const homeEnv = { HOME: home, XUM_ROOT: undefined, MUX_ROOT: undefined }
    results = await runAll({
      homeOnly: { args: ["summary", "--json"], env: homeEnv },
      threeRoots: {
        args: ["summary", "--root", `${home}/.mux`, "--root", `${home}/.xum`, "--root", `${home}/.cmux`, "--json"],
        env: homeEnv
      },
      muxRoot: { args: ["summary", "--json"], env: { ...homeEnv, MUX_ROOT: `${home}/.mux` } },
      checkJson: { args: ["check", "--json"], env: homeEnv }
    })
  }, HOOK_TIMEOUT_MS)

  afterAll(() => {
    if (caseDir !== "") fs.rmSync(path.dirname(caseDir), { recursive: true, force: true })
  })

  it("copy keeps the links", () => {
    expect(fs.lstatSync(path.join(caseDir, "home", ".mux")).isSymbolicLink()).toBe(true)
    expect(fs.lstatSync(path.join(caseDir, "home", ".cmux")).isSymbolicLink()).toBe(true)
  })

  it.each(["homeOnly", "threeRoots", "muxRoot"] as const)("%s counts once", (name) => {
    const result = results[name]
    expect(result.status).toBe(0)
    const { totals } = parseJson<SummaryJson>(result)
    expect(totals.workspaces).toBe(2)
    expect(totals.records).toBe(2)
    expect(totals.totalTokens).toBe(168000)
    expectUsd(totals.cost.usd, 0.1595)
  })

  it("check names one real home", () => {
    const { homes } = parseJson<CheckJson>(results.checkJson)
    expect(homes.map((home) => home.path)).toEqual([path.join(caseDir, "home", ".xum")])
  })

  it("check lists the link aliases", () => {
    const [home] = parseJson<CheckJson>(results.checkJson).homes
    expect(home?.aliases).toContain(path.join(caseDir, "home", ".mux"))
    expect(home?.aliases).toContain(path.join(caseDir, "home", ".cmux"))
  })
})

// == 10: broken ledgers are reported, and good ones still count

describe("case 10 malformed beside good", () => {
  const home = caseHome("10-malformed-beside-good")
  let results: Record<"summary" | "check" | "strict", CliResult>

  beforeAll(async () => {
    results = await runAll({
      summary: { args: ["summary", "--root", home, "--json"] },
      check: { args: ["check", "--root", home, "--json"] },
      strict: { args: ["summary", "--root", home, "--strict"] }
    })
  }, HOOK_TIMEOUT_MS)

  it("summary exits 0", () => {
    expect(results.summary.status).toBe(0)
  })

  it("summary counts the good ledger", () => {
    const { totals } = parseJson<SummaryJson>(results.summary)
    expect(totals.workspaces).toBe(1)
    expect(totals.totalTokens).toBe(52500)
    expectUsd(totals.cost.usd, 0.073125)
  })

  it("summary reports four failed", () => {
    const summary = parseJson<SummaryJson>(results.summary)
    expect(summary.ledgers.failed).toBe(4)
    expect(summary.errorCount).toBe(4)
  })

  it("stderr names failures and check", () => {
    const { stderr } = results.summary
    expect(stderr).toContain("4 ledgers could not be used")
    expect(stderr).toContain(path.join(home, "sessions", "10aa000002", "session-usage.json"))
    expect(stderr).toContain("check")
  })

  it("strict exits non-zero", () => {
    expect(results.strict.status).toBe(1)
  })

  it.each([
    ["10aa000001", "ok", []],
    ["10aa000002", "error", ["ledger-malformed"]],
    ["10aa000003", "error", ["ledger-malformed"]],
    ["10aa000004", "error", ["ledger-no-by-model"]],
    ["10aa000005", "error", ["ledger-version-unsupported"]]
  ])("check ledger %s", (workspaceId, status, codes) => {
    const ledger = parseJson<CheckJson>(results.check).ledgers.find((entry) => entry.workspaceId === workspaceId)
    expect(ledger?.status).toBe(status)
    expect(ledger?.codes).toEqual(codes)
    expect(ledger?.path).toBe(path.join(home, "sessions", workspaceId, "session-usage.json"))
  })

  it("check error details", () => {
    const { errors } = parseJson<CheckJson>(results.check)
    const byId = new Map(errors.map((error) => [error.workspaceId, error]))
    expect(byId.get("10aa000002")?.kind).toBe("truncated")
    expect(byId.get("10aa000003")?.kind).toBe("empty")
    expect(byId.get("10aa000005")?.version).toBe(2)
    expect(errors.every((error) => error.path.endsWith(`${error.workspaceId}/session-usage.json`))).toBe(true)
  })
})

// == 11: one bad model entry does not sink the file

describe("case 11 one bad entry", () => {
  const home = caseHome("11-one-bad-entry")
  const ledgerPath = path.join(home, "sessions", "11bb000001", "session-usage.json")
  let results: Record<"records" | "check", CliResult>

  beforeAll(async () => {
    results = await runAll({
      records: { args: ["records", "--root", home, "--json"] },
      check: { args: ["check", "--root", home, "--json"] }
    })
  }, HOOK_TIMEOUT_MS)

  it("records only the opus entry", () => {
    const records = parseJson<Array<TurnRecord>>(results.records)
    expect(records.map((record) => record.modelKey)).toEqual(["anthropic:claude-opus-4-6"])
  })

  it("opus figures are exact", () => {
    const [opus] = parseJson<Array<TurnRecord>>(results.records)
    expect(opus === undefined ? undefined : totalTokens(opus.usage)).toBe(52500)
    expectUsd(opus?.cost.usd, 0.073125)
    expect(opus?.cost.basis).toBe("recorded")
  })

  it.each([
    ["openai:gpt-5.1-codex", "reasoning.tokens", "null"],
    ["google:gemini-3-pro-preview", "input.tokens", "\"12\""],
    ["anthropic:claude-sonnet-4-5", "output.cost_usd", "\"0.0225\""]
  ])("check names %s", (modelKey, field, found) => {
    const error = parseJson<CheckJson>(results.check).errors.find((candidate) => candidate.modelKey === modelKey)
    expect(error?.code).toBe("model-entry-invalid")
    expect(error?.field).toBe(field)
    expect(error?.path).toBe(ledgerPath)
    expect(error?.workspaceId).toBe("11bb000001")
    expect(error?.message).toContain(found)
  })

  it("file is not malformed", () => {
    const { errors, ledgers } = parseJson<CheckJson>(results.check)
    expect(errors).toHaveLength(3)
    expect(ledgers[0]?.codes).not.toContain("ledger-malformed")
    expect(ledgers[0]?.records).toBe(1)
  })
})

// == 13: reasoning is its own bucket, counted once

describe("case 13 reasoning disjoint", () => {
  const home = caseHome("13-reasoning-disjoint")
  let results: Awaited<ReturnType<typeof runCostCommands>>

  beforeAll(async () => {
    results = await runCostCommands(home)
  }, HOOK_TIMEOUT_MS)

  it("record usage is disjoint", () => {
    const [record] = parseJson<Array<TurnRecord>>(results.records)
    expect(record?.usage).toEqual({
      input: 20000,
      cacheRead: 180000,
      cacheCreate5m: 0,
      cacheCreate1h: 0,
      output: 6000,
      reasoning: 24000
    })
  })

  it("record cost is stored cost", () => {
    const [record] = parseJson<Array<TurnRecord>>(results.records)
    expectUsd(record?.cost.usd, 0.3475)
    expect(record?.cost.basis).toBe("recorded")
  })

  it("summary total 230,000", () => {
    const { totals } = parseJson<SummaryJson>(results.summary)
    expect(totals.totalTokens).toBe(230000)
    expect(totals.usage.output).toBe(6000)
    expect(totals.usage.reasoning).toBe(24000)
    expectUsd(totals.cost.usd, 0.3475)
  })

  it("table has separate columns", () => {
    const { stdout } = results.table
    const header = stdout.split("\n").find((line) => line.includes("Output"))
    const row = stdout.split("\n").find((line) => line.includes("openai:gpt-5.1-codex"))
    expect(header).toMatch(/Output\s*│\s*Reasoning/)
    expect(row).toMatch(/6,000\s*│\s*24,000\s*│\s*230,000/)
  })
})

// == 16: hasUnknownCosts with zero costs means unpriced

describe("case 16 unknown costs flag", () => {
  const home = caseHome("16-unknown-costs-flag")
  let results: Awaited<ReturnType<typeof runCostCommands>>

  beforeAll(async () => {
    results = await runCostCommands(home)
  }, HOOK_TIMEOUT_MS)

  it("qwen is unpriced", () => {
    const qwen = recordByKey(parseJson<Array<TurnRecord>>(results.records), "ollama:qwen3-coder:30b")
    expect(qwen.cost).toEqual({ usd: null, basis: "unpriced" })
  })

  it("sonnet is partial", () => {
    const sonnet = recordByKey(parseJson<Array<TurnRecord>>(results.records), "anthropic:claude-sonnet-4-5")
    expect(sonnet.cost.basis).toBe("partial")
    expectUsd(sonnet.cost.usd, 0.04125)
  })

  it("opus is recorded", () => {
    const opus = recordByKey(parseJson<Array<TurnRecord>>(results.records), "anthropic:claude-opus-4-6")
    expect(opus.cost.basis).toBe("recorded")
    expectUsd(opus.cost.usd, 0.073125)
  })

  it("totals marked partial", () => {
    const { totals } = parseJson<SummaryJson>(results.summary)
    expect(totals.totalTokens).toBe(225000)
    expectUsd(totals.cost.usd, 0.114375)
    expect(totals.cost.basis).toBe("partial")
  })

  it("table shows qwen unpriced", () => {
    const row = results.table.stdout.split("\n").find((line) => line.includes("ollama:qwen3-coder:30b"))
    expect(row).toContain("unpriced")
    expect(row).not.toContain("$0.00")
  })

  it("table total is partial", () => {
    const row = results.table.stdout.split("\n").find((line) => line.startsWith("│ Total "))
    expect(row).toContain("225,000")
    expect(row).toContain("partial")
  })
})

// == 17: subscription-covered usage is included, mixed entries keep their API cost

describe("case 17 subscription included", () => {
  const home = caseHome("17-subscription-included")
  let results: Awaited<ReturnType<typeof runCostCommands>>

  beforeAll(async () => {
    results = await runCostCommands(home)
  }, HOOK_TIMEOUT_MS)

  it("codex is included at $0", () => {
    const codex = recordByKey(parseJson<Array<TurnRecord>>(results.records), "openai:gpt-5.1-codex")
    expect(codex.cost).toEqual({ usd: 0, basis: "included", subscriptionCovers: "all" })
    expect(totalTokens(codex.usage)).toBe(220000)
  })

  it("opus is recorded", () => {
    const opus = recordByKey(parseJson<Array<TurnRecord>>(results.records), "anthropic:claude-opus-4-6")
    expect(opus.cost.basis).toBe("recorded")
    expectUsd(opus.cost.usd, 0.073125)
  })

  it("mixed gpt-5.2 keeps its cost", () => {
    const mixed = recordByKey(parseJson<Array<TurnRecord>>(results.records), "openai:gpt-5.2")
    expectUsd(mixed.cost.usd, 0.063)
    expect(mixed.cost.basis).toBe("included")
    expect(mixed.cost.subscriptionCovers).toBe("some")
  })

  it("totals keep paid cost", () => {
    const { totals } = parseJson<SummaryJson>(results.summary)
    expect(totals.totalTokens).toBe(360500)
    expectUsd(totals.cost.usd, 0.136125)
    expect(totals.cost.includedTokens).toBe(220000)
    expect(totals.cost.partlyIncludedTokens).toBe(88000)
  })

  it("table marks $0.00 included", () => {
    const lines = results.table.stdout.split("\n")
    const codexRow = lines.find((line) => line.includes("openai:gpt-5.1-codex"))
    expect(codexRow).toContain("$0.00 included")
    expect(lines.filter((line) => /\$0\.00(?! included)/.test(line))).toEqual([])
  })

  it("table notes covered tokens", () => {
    expect(results.table.stdout).toContain("220,000 tokens")
    expect(results.table.stdout).toContain("88,000")
  })
})

// == 18: model keys split at the first colon only

describe("case 18 model key shapes", () => {
  const home = caseHome("18-model-key-shapes")
  let results: Record<"records" | "byProvider" | "byModel", CliResult>

  beforeAll(async () => {
    results = await runAll({
      records: { args: ["records", "--root", home, "--json"] },
      byProvider: { args: ["summary", "--root", home, "--by", "provider", "--json"] },
      byModel: { args: ["summary", "--root", home, "--by", "model", "--json"] }
    })
  }, HOOK_TIMEOUT_MS)

  it.each([
    ["ollama:qwen3-coder:30b", "ollama", "qwen3-coder:30b", 12000],
    ["openrouter:z-ai/glm-4.6", "openrouter", "z-ai/glm-4.6", 5000],
    ["lmstudio:qwen/qwen3-coder:q8_0", "lmstudio", "qwen/qwen3-coder:q8_0", 1800],
    ["anthropic:claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", 34500]
  ])("record %s", (key, provider, model, tokens) => {
    const record = recordByKey(parseJson<Array<TurnRecord>>(results.records), key)
    expect(record.provider).toBe(provider)
    expect(record.model).toBe(model)
    expect(record.messageId).toBe(`mux:18ab000001:${key}`)
    expect(totalTokens(record.usage)).toBe(tokens)
  })

  it.each([
    ["historical", 259000],
    ["unknown", 800]
  ])("record %s has no provider", (key, tokens) => {
    const record = recordByKey(parseJson<Array<TurnRecord>>(results.records), key)
    expect("provider" in record).toBe(false)
    expect(record.model).toBe(key)
    expect(record.messageId).toBe(`mux:18ab000001:${key}`)
    expect(totalTokens(record.usage)).toBe(tokens)
  })

  it("six records", () => {
    expect(parseJson<Array<TurnRecord>>(results.records)).toHaveLength(6)
  })

  it("by model has no cut names", () => {
    const keys = parseJson<SummaryJson>(results.byModel).rows.map((row) => row.key)
    expect(keys).toHaveLength(6)
    for (const cut of ["30b", "q8_0", "4.6"]) expect(keys).not.toContain(cut)
  })

  it.each([
    ["ollama", 12000],
    ["openrouter", 5000],
    ["lmstudio", 1800],
    ["anthropic", 34500]
  ])("provider %s row", (provider, tokens) => {
    const row = parseJson<SummaryJson>(results.byProvider).rows.find((candidate) => candidate.key === provider)
    expect(row?.totalTokens).toBe(tokens)
  })

  it("anthropic row is priced", () => {
    const row = parseJson<SummaryJson>(results.byProvider).rows.find((candidate) => candidate.key === "anthropic")
    expectUsd(row?.cost.usd, 0.04125)
  })

  it("one row without provider", () => {
    const providers = new Set(["ollama", "openrouter", "lmstudio", "anthropic"])
    const others = parseJson<SummaryJson>(results.byProvider).rows.filter((row) => !providers.has(row.key))
    expect(others.map((row) => row.totalTokens)).toEqual([259800])
  })

  it("totals marked partial", () => {
    const { totals } = parseJson<SummaryJson>(results.byProvider)
    expect(totals.totalTokens).toBe(313100)
    expectUsd(totals.cost.usd, 0.04125)
    expect(totals.cost.basis).toBe("partial")
  })
})

// == 25: control characters from the data are escaped when printed

describe("case 25 control characters", () => {
  const home = caseHome("25-control-chars")
  const EVIL_KEY = "custom:evil\u001b[2J\u001b]0;owned\u0007-m1"
  const ODD_FOLDER = "25\u001b[1mzz"
  const commands = {
    byModel: ["summary", "--root", home, "--by", "model"],
    byWorkspace: ["summary", "--root", home, "--by", "workspace"],
    records: ["records", "--root", home],
    check: ["check", "--root", home]
  } as const
  type Name = keyof typeof commands
  let table: Record<Name, CliResult>
  let json: Record<Name, CliResult>

  beforeAll(async () => {
    ;[table, json] = await Promise.all([
      runAll(mapValues(commands, (args) => ({ args }))),
      runAll(mapValues(commands, (args) => ({ args: [...args, "--json"] })))
    ])
  }, HOOK_TIMEOUT_MS)

  const controlBytes = (result: CliResult) => (result.stdout + result.stderr).match(/[\u001b\u0007]/g)?.length ?? 0

  it.each(Object.keys(commands) as Array<Name>)("%s table has no raw controls", (name) => {
    expect(table[name].status).toBe(0)
    expect(controlBytes(table[name])).toBe(0)
  })

  it.each(Object.keys(commands) as Array<Name>)("%s JSON has no raw controls", (name) => {
    expect(json[name].status).toBe(0)
    expect(controlBytes(json[name])).toBe(0)
  })

  it("table shows escapes", () => {
    expect(table.byModel.stdout).toContain("custom:evil\\x1b[2J")
    expect(table.byWorkspace.stdout).toContain("25\\x1b[1mzz")
  })

  it("records JSON keeps exact key", () => {
    const records = parseJson<Array<TurnRecord>>(json.records)
    expect(records.map((record) => record.modelKey)).toContain(EVIL_KEY)
    expect(records.map((record) => record.sessionId)).toContain(ODD_FOLDER)
  })

  it("summary JSON keeps exact key", () => {
    const byModel = parseJson<SummaryJson>(json.byModel).rows.map((row) => row.key)
    const byWorkspace = parseJson<SummaryJson>(json.byWorkspace).rows.map((row) => row.key)
    expect(byModel).toContain(EVIL_KEY)
    expect(byWorkspace).toContain(ODD_FOLDER)
  })

  it("check JSON keeps folder name", () => {
    const { ledgers } = parseJson<CheckJson>(json.check)
    expect(ledgers.map((ledger) => ledger.workspaceId)).toEqual(["25ab000001", ODD_FOLDER])
  })

  it("both folders are read", () => {
    const { totals } = parseJson<SummaryJson>(json.byModel)
    expect(totals.workspaces).toBe(2)
    expect(totals.records).toBe(3)
    expect(totals.totalTokens).toBe(36850)
    expectUsd(totals.cost.usd, 0.0426)
    expect(totals.cost.basis).toBe("partial")
  })
})
