/**
 * End to end on fixtures/mux-home/.mux, a home written by Mux's own code, against the
 * independent figures of fixtures/mux-home.expected.json. The CLI runs as real child
 * processes; the set-aside sub-agent's figures come from the library, because `records`
 * prints counted ledgers only.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { collectEvents } from "../src/collect/collectEvents.js"
import type { CollectorEvent, LedgerSetAside } from "../src/domain/Outcome.js"
import { totalTokens, type TokenUsage, type TurnRecord } from "../src/domain/TurnRecord.js"
import { NodeCollectorLayer } from "../src/layers.js"
import { type CliResult, repoRoot, runCli } from "./support/cli.js"

const FIXTURE = path.join(repoRoot, "fixtures", "mux-home")
const HOME = path.join(FIXTURE, ".mux")

interface ExpectedModel {
  readonly input: number
  readonly cached: number
  readonly cacheCreate: number
  readonly output: number
  readonly reasoning: number
  readonly costUsd: number | null
  readonly costsIncluded: boolean
}

interface ExpectedWorkspace {
  readonly models: Readonly<Record<string, ExpectedModel>>
  readonly ledgerPresent: boolean
  readonly rolledUpInto: string | null
}

interface ExpectedTotals {
  readonly input: number
  readonly cached: number
  readonly cacheCreate: number
  readonly output: number
  readonly reasoning: number
  readonly totalTokens: number
  readonly costUsd: number
  readonly unpricedTokens: number
  readonly ledgersCounted: number
}

interface ExpectedFile {
  readonly workspaces: Readonly<Record<string, ExpectedWorkspace>>
  readonly totals: {
    readonly countingOnce: ExpectedTotals
    readonly countingLeftOnDiskChildTwice: ExpectedTotals
  }
}

interface SummaryTotals {
  readonly records: number
  readonly usage: TokenUsage
  readonly totalTokens: number
  readonly cost: { readonly usd: number | null; readonly basis: string }
}

interface CheckJson {
  readonly setAside: ReadonlyArray<{ readonly workspaceId: string; readonly kind: string; readonly parentWorkspaceId?: string }>
  readonly counts: { readonly ledgersCounted: number; readonly setAside: number; readonly errors: number }
}

const expected = JSON.parse(
  fs.readFileSync(path.join(repoRoot, "fixtures", "mux-home.expected.json"), "utf8")
) as ExpectedFile

const SET_ASIDE_ID = "4bfb37896f"

const workspacesOnDisk = Object.entries(expected.workspaces).filter(([, workspace]) => workspace.ledgerPresent)
const countedWorkspaces = workspacesOnDisk.filter(([id]) => id !== SET_ASIDE_ID)

/** Every file below the fixture with its size and modification time, to prove that nothing was written. */
const snapshotTree = (root: string): Array<string> =>
  (fs.readdirSync(root, { recursive: true, withFileTypes: false }) as Array<string>)
    .sort()
    .map((relative) => {
      const stat = fs.lstatSync(path.join(root, relative))
      return `${relative} ${stat.size} ${stat.mtimeMs}`
    })

/** Asserts that two dollar figures agree within 1e-9 relative. */
const expectUsd = (actual: number | null | undefined, expectedUsd: number) => {
  expect(typeof actual).toBe("number")
  expect(Math.abs((actual ?? Number.NaN) - expectedUsd)).toBeLessThanOrEqual(Math.abs(expectedUsd) * 1e-9)
}

const sumUsage = (records: ReadonlyArray<TurnRecord>): TokenUsage =>
  records.reduce<TokenUsage>(
    (total, { usage }) => ({
      input: total.input + usage.input,
      cacheRead: total.cacheRead + usage.cacheRead,
      cacheCreate5m: total.cacheCreate5m + usage.cacheCreate5m,
      cacheCreate1h: total.cacheCreate1h + usage.cacheCreate1h,
      output: total.output + usage.output,
      reasoning: total.reasoning + usage.reasoning
    }),
    { input: 0, cacheRead: 0, cacheCreate5m: 0, cacheCreate1h: 0, output: 0, reasoning: 0 }
  )

const sumUsd = (records: ReadonlyArray<TurnRecord>) => records.reduce((total, record) => total + (record.cost.usd ?? 0), 0)

/** The expected totals in the records' bucket names. */
const asUsage = (totals: ExpectedTotals): TokenUsage => ({
  input: totals.input,
  cacheRead: totals.cached,
  cacheCreate5m: totals.cacheCreate,
  cacheCreate1h: 0,
  output: totals.output,
  reasoning: totals.reasoning
})

describe("fixture mux-home", () => {
  const before = snapshotTree(FIXTURE)
  let records: Array<TurnRecord> = []
  let setAside: Array<LedgerSetAside> = []
  let results: Record<"records" | "summary" | "table" | "check", CliResult>

  beforeAll(async () => {
    const [recordsRun, summaryRun, tableRun, checkRun, events] = await Promise.all([
      runCli(["records", "--root", HOME, "--json"]),
      runCli(["summary", "--root", HOME, "--json"]),
      runCli(["summary", "--root", HOME]),
      runCli(["check", "--root", HOME, "--json"]),
      Effect.runPromise(
        Stream.runCollect(collectEvents({ roots: [HOME] })).pipe(
          Effect.map((chunk): ReadonlyArray<CollectorEvent> => Chunk.toReadonlyArray(chunk)),
          Effect.provide(NodeCollectorLayer)
        )
      )
    ])
    results = { records: recordsRun, summary: summaryRun, table: tableRun, check: checkRun }
    records = JSON.parse(recordsRun.stdout) as Array<TurnRecord>
    setAside = events.filter((event): event is LedgerSetAside => event._tag === "LedgerSetAside")
  }, 120_000)

  afterAll(() => {
    // Also checked by the last test; this catches a write made after it.
    expect(snapshotTree(FIXTURE)).toEqual(before)
  })

  const recordsOf = (workspaceId: string): ReadonlyArray<TurnRecord> =>
    workspaceId === SET_ASIDE_ID
      ? setAside.filter((event) => event.folder.workspaceId === workspaceId).flatMap((event) => [...event.records])
      : records.filter((record) => record.sessionId === workspaceId)

  it("every command exits 0", () => {
    expect(Object.values(results).map((result) => result.status)).toEqual([0, 0, 0, 0])
  })

  it("records cover counted workspaces", () => {
    const withUsage = countedWorkspaces
      .filter(([, workspace]) => Object.keys(workspace.models).length > 0)
      .map(([id]) => id)
      .sort()
    expect([...new Set(records.map((record) => record.sessionId))].sort()).toEqual(withUsage)
  })

  it("set-aside ledger is the child", () => {
    expect(setAside.map((event) => [event.folder.workspaceId, event.reason.kind])).toEqual([
      [SET_ASIDE_ID, "rolled-up"]
    ])
  })

  it("check names the set-aside child", () => {
    const check = JSON.parse(results.check.stdout) as CheckJson
    expect(check.setAside.map((entry) => [entry.workspaceId, entry.kind, entry.parentWorkspaceId])).toEqual([
      [SET_ASIDE_ID, "rolled-up", "625bb53436"]
    ])
    expect(check.counts.ledgersCounted).toBe(expected.totals.countingOnce.ledgersCounted)
    expect(check.counts.errors).toBe(0)
  })

  describe.each(workspacesOnDisk)("workspace %s", (workspaceId, workspace) => {
    it("has exactly the expected models", () => {
      expect(recordsOf(workspaceId).map((record) => record.modelKey).sort()).toEqual(
        Object.keys(workspace.models).sort()
      )
    })

    it.each(Object.entries(workspace.models))("%s tokens", (modelKey, model) => {
      const record = recordsOf(workspaceId).find((candidate) => candidate.modelKey === modelKey)
      expect(record?.usage).toEqual({
        input: model.input,
        cacheRead: model.cached,
        cacheCreate5m: model.cacheCreate,
        cacheCreate1h: 0,
        output: model.output,
        reasoning: model.reasoning
      })
    })

    it.each(Object.entries(workspace.models))("%s cost", (modelKey, model) => {
      const record = recordsOf(workspaceId).find((candidate) => candidate.modelKey === modelKey)
      expect(record?.cost.basis === "unpriced").toBe(model.costUsd === null)
      expect(record?.cost.basis === "included").toBe(model.costsIncluded)
      if (model.costUsd === null) {
        expect(record?.cost.usd).toBeNull()
      } else {
        expectUsd(record?.cost.usd, model.costUsd)
      }
    })
  })

  it("summary equals printed records", () => {
    const { totals } = JSON.parse(results.summary.stdout) as { totals: SummaryTotals }
    expect(totals.records).toBe(records.length)
    expect(totals.usage).toEqual(sumUsage(records))
    expectUsd(totals.cost.usd, sumUsd(records))
  })

  it("summary equals countingOnce", () => {
    const { totals } = JSON.parse(results.summary.stdout) as { totals: SummaryTotals }
    const once = expected.totals.countingOnce
    expect(totals.usage).toEqual(asUsage(once))
    expect(totals.totalTokens).toBe(once.totalTokens)
    expectUsd(totals.cost.usd, once.costUsd)
    expect(totals.cost.basis).toBe("partial")
  })

  it("unpriced tokens match", () => {
    const unpriced = records.filter((record) => record.cost.basis === "unpriced")
    const tokens = unpriced.reduce((total, record) => total + totalTokens(record.usage), 0)
    expect(tokens).toBe(expected.totals.countingOnce.unpricedTokens)
  })

  it("every ledger on disk sums to twice-counted", () => {
    const everything = [...records, ...recordsOf(SET_ASIDE_ID)]
    const twice = expected.totals.countingLeftOnDiskChildTwice
    expect(sumUsage(everything)).toEqual(asUsage(twice))
    expect(everything.reduce((total, record) => total + totalTokens(record.usage), 0)).toBe(twice.totalTokens)
    expectUsd(sumUsd(everything), twice.costUsd)
  })

  it("table shows cost markers", () => {
    const { stdout } = results.table
    expect(stdout).toContain("partial")
    expect(stdout).toContain("unpriced")
    expect(stdout).toContain("included")
  })

  it("table total row", () => {
    const total = results.table.stdout.split("\n").find((line) => line.startsWith("│ Total "))
    expect(total).toContain("25,096,337")
    expect(total).toContain("$26.23 partial")
  })

  it("no file was written", () => {
    expect(snapshotTree(FIXTURE)).toEqual(before)
  })
})
