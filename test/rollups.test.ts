import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { CollectorEvent, RollUpAnomaly } from "../src/domain/Outcome.js"
import { totalTokens } from "../src/domain/TurnRecord.js"
import { runCli } from "./support/cli.js"
import {
  BACKENDS,
  collectTree,
  configJson,
  countedTokens,
  type EntrySpec,
  entryTokens,
  FIXTURE_HOME,
  fixtureTree,
  inFolder,
  ledgerJson,
  makeTempTree,
  readExpectedFixture,
  removeTree,
  setAsideOf,
  type Tree
} from "./support/homeTree.js"

// == Ledgers. Each figure below is summed by hand from the entries.

const PARENT = "aaaaaaaaaa"
const CHILD = "cccccccccc"
const GRANDCHILD = "dddddddddd"
const PROJECT = "/home/ana/src/shop"

const PARENT_OWN: EntrySpec = { tokens: [2000, 40000, 5000, 800, 100], usd: 1 } // 47,900
const CHILD_OWN: EntrySpec = { tokens: [1000, 20000, 3000, 400, 50], usd: 0.5 } // 24,450
const GRANDCHILD_OWN: EntrySpec = { tokens: [100, 200, 0, 30, 0], usd: 0.125 } // 330

/** `tokens` of several entries added bucket by bucket, with their costs, as Mux merges a roll-up. */
const merged = (...entries: ReadonlyArray<EntrySpec>): EntrySpec => ({
  tokens: [0, 1, 2, 3, 4].map((index) => entries.reduce((sum, entry) => sum + (entry.tokens[index] ?? 0), 0)) as unknown as EntrySpec["tokens"],
  usd: entries.reduce((sum, entry) => sum + (entry.usd ?? 0), 0)
})

const rollUpEntry = (entry: EntrySpec, agentType: string) => ({
  totalTokens: entryTokens(entry),
  inputTokens: entry.tokens[0],
  cachedTokens: entry.tokens[1],
  cacheCreateTokens: entry.tokens[2],
  outputTokens: entry.tokens[3],
  reasoningTokens: entry.tokens[4],
  totalCostUsd: entry.usd,
  agentType,
  model: "anthropic:claude-sonnet-4-5",
  rolledUpAtMs: 1788000050000
})

const ledgerPath = (base: string, workspaceId: string, home = ".mux") => `${base}/${home}/sessions/${workspaceId}/session-usage.json`

const parentLedger = (rolledUpFrom: Record<string, unknown>) =>
  ledgerJson({
    byModel: { "anthropic:claude-opus-4-6": PARENT_OWN, "anthropic:claude-sonnet-4-5": CHILD_OWN },
    lastRequestMs: 1788000100000,
    rolledUpFrom
  })

const childLedger = ledgerJson({ byModel: { "anthropic:claude-sonnet-4-5": CHILD_OWN }, lastRequestMs: 1788000000000 })

const PARENT_CONFIG = { id: PARENT, name: "fix-cart", title: "Fix cart totals" }
const CHILD_CONFIG = { id: CHILD, name: "exec-1", title: "Implement", parentWorkspaceId: PARENT, agentType: "exec" }

/** The parent's total: its own work plus the child merged into it. */
const PARENT_TOTAL = 47900 + 24450

const leftOnDisk = (rolledUpEntry: unknown, listChild: boolean): Tree => ({
  ".mux/config.json": configJson([[PROJECT, listChild ? [PARENT_CONFIG, CHILD_CONFIG] : [PARENT_CONFIG]]]),
  [`.mux/sessions/${PARENT}/session-usage.json`]: parentLedger({ [CHILD]: rolledUpEntry }),
  [`.mux/sessions/${CHILD}/session-usage.json`]: childLedger
})

const SET_ASIDE_CASES: ReadonlyArray<readonly [name: string, tree: Tree]> = [
  ["listed child", leftOnDisk(rollUpEntry(CHILD_OWN, "exec"), true)],
  ["unlisted child", leftOnDisk(rollUpEntry(CHILD_OWN, "exec"), false)],
  ["legacy true entry", leftOnDisk(true, false)],
  ["malformed entry", leftOnDisk("yes", false)]
]

/** Grandchild rolled into the child and the child into the parent, both left on disk, listed in config.json or not. */
const chain = (listed: boolean): Tree => ({
  ".mux/config.json": configJson([[PROJECT, listed
    ? [PARENT_CONFIG, CHILD_CONFIG, { id: GRANDCHILD, name: "explore-1", parentWorkspaceId: CHILD, agentType: "explore" }]
    : [PARENT_CONFIG]]]),
  [`.mux/sessions/${PARENT}/session-usage.json`]: ledgerJson({
    byModel: {
      "anthropic:claude-opus-4-6": PARENT_OWN,
      "anthropic:claude-sonnet-4-5": CHILD_OWN,
      "anthropic:claude-haiku-4-5": GRANDCHILD_OWN
    },
    lastRequestMs: 1788000100000,
    rolledUpFrom: { [CHILD]: rollUpEntry(merged(CHILD_OWN, GRANDCHILD_OWN), "exec") }
  }),
  [`.mux/sessions/${CHILD}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": CHILD_OWN, "anthropic:claude-haiku-4-5": GRANDCHILD_OWN },
    lastRequestMs: 1788000000000,
    rolledUpFrom: { [GRANDCHILD]: rollUpEntry(GRANDCHILD_OWN, "explore") }
  }),
  [`.mux/sessions/${GRANDCHILD}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-haiku-4-5": GRANDCHILD_OWN },
    lastRequestMs: 1787999900000
  })
})
const CHAIN_TOTAL = 47900 + 24450 + 330

/** Ids of a roll-up cycle, each ledger claiming the next. Their own usage is 15, 25 and 35 tokens. */
const CYCLE_IDS = ["a0a0a0a0a0", "b0b0b0b0b0", "c0c0c0c0c0"] as const
const cycleLedger = (index: number, next: string) =>
  ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": { tokens: [10 * (index + 1), 0, 0, 5, 0], usd: 0.25 } },
    lastRequestMs: 1788000000000 + index,
    rolledUpFrom: { [next]: { totalTokens: 1 } }
  })

const cycle = (length: 2 | 3, listed: boolean): Tree => {
  const ids = CYCLE_IDS.slice(0, length)
  const tree: Record<string, string> = {
    ".mux/config.json": configJson([[PROJECT, listed ? ids.map((id) => ({ id, name: id })) : []]])
  }
  ids.forEach((id, index) => {
    tree[`.mux/sessions/${id}/session-usage.json`] = cycleLedger(index, ids[(index + 1) % length] ?? id)
  })
  return tree
}
const cycleTotal = (length: 2 | 3) => (length === 2 ? 15 + 25 : 15 + 25 + 35)

/** One child claimed by two parents: 110 + 220 + 24,450 tokens on disk. */
const SEVERAL_PARENTS: Tree = {
  ".mux/config.json": configJson([[PROJECT, [{ id: "1111111111", name: "one" }, { id: "2222222222", name: "two" }]]]),
  ".mux/sessions/1111111111/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.2": { tokens: [100, 0, 0, 10, 0], usd: 0.25 } },
    lastRequestMs: 1788000000000,
    rolledUpFrom: { [CHILD]: rollUpEntry(CHILD_OWN, "exec") }
  }),
  ".mux/sessions/2222222222/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.2": { tokens: [200, 0, 0, 20, 0], usd: 0.25 } },
    lastRequestMs: 1788000000000,
    rolledUpFrom: { [CHILD]: true }
  }),
  [`.mux/sessions/${CHILD}/session-usage.json`]: childLedger
}
const SEVERAL_PARENTS_TOTAL = 110 + 220 + 24450

/** A sub-agent listed with its parent that was never rolled up: both ledgers count. */
const NOT_ROLLED_UP: Tree = {
  ".mux/config.json": configJson([[PROJECT, [PARENT_CONFIG, CHILD_CONFIG]]]),
  [`.mux/sessions/${PARENT}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-opus-4-6": PARENT_OWN },
    lastRequestMs: 1788000100000
  }),
  [`.mux/sessions/${CHILD}/session-usage.json`]: childLedger
}

/** A rolled-up child removed from disk but still listed in config.json. */
const DELETED_BUT_LISTED: Tree = {
  ".mux/config.json": configJson([[PROJECT, [PARENT_CONFIG, CHILD_CONFIG]]]),
  [`.mux/sessions/${PARENT}/session-usage.json`]: parentLedger({ [CHILD]: rollUpEntry(CHILD_OWN, "exec") })
}

// == Helpers

const countedIds = (events: ReadonlyArray<CollectorEvent>): Array<string> =>
  events.flatMap((event) => (event._tag === "LedgerCounted" ? [event.folder.workspaceId] : [])).sort()

const anomaliesOf = (events: ReadonlyArray<CollectorEvent>): Array<RollUpAnomaly> =>
  events.filter((event): event is RollUpAnomaly => event._tag === "RollUpAnomaly")

// == Library, on both file systems

for (const backend of BACKENDS) {
  describe(`roll-ups (${backend})`, () => {
    for (const [name, tree] of SET_ASIDE_CASES) {
      it.live(`${name} is set aside`, () =>
        Effect.gen(function*() {
          const { base, events } = yield* collectTree(backend, tree, [".mux"])
          const setAside = setAsideOf(events)
          expect(setAside.map((event) => event.folder.workspaceId)).toEqual([CHILD])
          expect(setAside[0]?.reason).toEqual({
            kind: "rolled-up",
            parentWorkspaceId: PARENT,
            parentLedgerPath: ledgerPath(base, PARENT)
          })
        }))

      it.live(`${name} counts parent only`, () =>
        Effect.gen(function*() {
          const { events } = yield* collectTree(backend, tree, [".mux"])
          expect(countedIds(events)).toEqual([PARENT])
          expect(countedTokens(events)).toBe(PARENT_TOTAL)
          expect(anomaliesOf(events)).toEqual([])
        }))
    }

    it.live("set-aside child keeps its records", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, SET_ASIDE_CASES[0]?.[1] ?? {}, [".mux"])
        const records = setAsideOf(events)[0]?.records ?? []
        expect(records.map((record) => totalTokens(record.usage))).toEqual([24450])
      }))

    it.live("unrolled sub-agent counts both", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, NOT_ROLLED_UP, [".mux"])
        expect(countedIds(events)).toEqual([PARENT, CHILD])
        expect(countedTokens(events)).toBe(47900 + 24450)
        expect(setAsideOf(events)).toEqual([])
      }))

    for (const listed of [false, true]) {
      const label = listed ? "listed" : "unlisted"

      it.live(`${label} chain sets aside both`, () =>
        Effect.gen(function*() {
          const { base, events } = yield* collectTree(backend, chain(listed), [".mux"])
          const reasons = Object.fromEntries(setAsideOf(events).map((event) => [event.folder.workspaceId, event.reason]))
          expect(reasons).toEqual({
            [CHILD]: { kind: "rolled-up", parentWorkspaceId: PARENT, parentLedgerPath: ledgerPath(base, PARENT) },
            [GRANDCHILD]: { kind: "rolled-up", parentWorkspaceId: CHILD, parentLedgerPath: ledgerPath(base, CHILD) }
          })
        }))

      it.live(`${label} chain counts top only`, () =>
        Effect.gen(function*() {
          const { events } = yield* collectTree(backend, chain(listed), [".mux"])
          expect(countedIds(events)).toEqual([PARENT])
          expect(countedTokens(events)).toBe(CHAIN_TOTAL)
        }))

      for (const length of [2, 3] as const) {
        it.live(`${label} ${length}-cycle counts each once`, () =>
          Effect.gen(function*() {
            const { events } = yield* collectTree(backend, cycle(length, listed), [".mux"])
            expect(countedIds(events)).toEqual(CYCLE_IDS.slice(0, length))
            expect(countedTokens(events)).toBe(cycleTotal(length))
            expect(setAsideOf(events)).toEqual([])
          }))

        it.live(`${label} ${length}-cycle reports anomalies`, () =>
          Effect.gen(function*() {
            const { base, events } = yield* collectTree(backend, cycle(length, listed), [".mux"])
            const anomalies = anomaliesOf(events).slice().sort((a, b) => a.workspaceId.localeCompare(b.workspaceId))
            const ids = CYCLE_IDS.slice(0, length)
            expect(anomalies.map((anomaly) => anomaly.kind)).toEqual(ids.map(() => "cycle"))
            expect(anomalies.map((anomaly) => anomaly.workspaceId)).toEqual(ids)
            // Each workspace is claimed by the one before it in the cycle.
            expect(anomalies.map((anomaly) => anomaly.parentWorkspaceIds)).toEqual(
              ids.map((_, index) => [ids[(index + length - 1) % length]])
            )
            expect(anomalies.map((anomaly) => anomaly.ledgerPath)).toEqual(ids.map((id) => ledgerPath(base, id)))
          }))
      }
    }

    it.live("two parents count child once", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, SEVERAL_PARENTS, [".mux"])
        expect(countedIds(events)).toEqual(["1111111111", "2222222222", CHILD])
        expect(countedTokens(events)).toBe(SEVERAL_PARENTS_TOTAL)
        expect(setAsideOf(events)).toEqual([])
      }))

    it.live("two parents report anomaly", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, SEVERAL_PARENTS, [".mux"])
        expect(anomaliesOf(events)).toEqual([{
          _tag: "RollUpAnomaly",
          kind: "several-parents",
          workspaceId: CHILD,
          ledgerPath: ledgerPath(base, CHILD),
          parentWorkspaceIds: ["1111111111", "2222222222"]
        }])
      }))

    it.live("top-level child claimed reports anomaly", () =>
      Effect.gen(function*() {
        // config.json calls the child top-level while the parent claims it: contradictory data.
        const tree: Tree = {
          ...leftOnDisk(rollUpEntry(CHILD_OWN, "exec"), false),
          ".mux/config.json": configJson([[PROJECT, [PARENT_CONFIG, { id: CHILD, name: "exec-1" }]]])
        }
        const { events } = yield* collectTree(backend, tree, [".mux"])
        const anomalies = anomaliesOf(events)
        expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.workspaceId, anomaly.parentWorkspaceIds])).toEqual([
          ["claimed-after-counting", CHILD, [PARENT]]
        ])
      }))

    it.live("deleted listed child is not unused", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, DELETED_BUT_LISTED, [".mux"])
        expect(events.filter((event) => event._tag === "WorkspaceNeverUsed")).toEqual([])
        expect(countedTokens(events)).toBe(PARENT_TOTAL)
      }))
  })
}

// == Shared fixture

const FIXTURE_TREE = fixtureTree()
const EXPECTED = readExpectedFixture()
const COUNTING_ONCE = EXPECTED.totals.countingOnce

/** Workspaces that the expected file marks as rolled up while their ledger is still on disk. */
const LEFT_ON_DISK = Object.entries(EXPECTED.workspaces)
  .filter(([, workspace]) => workspace.rolledUpInto !== null && workspace.ledgerPresent)
  .map(([id, workspace]) => [id, workspace.rolledUpInto] as const)

const expectCloseRelative = (actual: number | null | undefined, expected: number) => {
  expect(actual).not.toBeNull()
  expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected))
}

describe("roll-ups on the shared fixture", () => {
  it("expected file names 4bfb37896f", () => {
    expect(LEFT_ON_DISK).toEqual([["4bfb37896f", "625bb53436"]])
  })

  for (const backend of BACKENDS) {
    it.live(`fixture counts each usage once (${backend})`, () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FIXTURE_TREE, [".mux"])
        expect(countedTokens(events)).toBe(COUNTING_ONCE.totalTokens)
        expect(countedIds(events)).toHaveLength(COUNTING_ONCE.ledgersCounted)
        const usd = events.reduce(
          (sum, event) => sum + (event._tag === "LedgerCounted" ? event.records.reduce((s, r) => s + (r.cost.usd ?? 0), 0) : 0),
          0
        )
        expectCloseRelative(usd, COUNTING_ONCE.costUsd)
      }))

    it.live(`fixture sets aside 4bfb37896f (${backend})`, () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, FIXTURE_TREE, [".mux"])
        const setAside = setAsideOf(events)
        expect(setAside.map((event) => [event.folder.workspaceId, event.reason])).toEqual([
          ["4bfb37896f", { kind: "rolled-up", parentWorkspaceId: "625bb53436", parentLedgerPath: ledgerPath(base, "625bb53436") }]
        ])
        expect(anomaliesOf(events)).toEqual([])
      }))
  }

  it("fixture summary json equals countingOnce", async () => {
    const result = await runCli(["summary", "--root", FIXTURE_HOME, "--json"])
    expect(result.status).toBe(0)
    const summary = JSON.parse(result.stdout) as {
      totals: {
        usage: { input: number; cacheRead: number; cacheCreate5m: number; cacheCreate1h: number; output: number; reasoning: number }
        totalTokens: number
        cost: { usd: number | null }
      }
      ledgers: { counted: number; setAside: number }
    }
    const { usage } = summary.totals
    expect(usage.input).toBe(COUNTING_ONCE.input)
    expect(usage.cacheRead).toBe(COUNTING_ONCE.cached)
    expect(usage.cacheCreate5m + usage.cacheCreate1h).toBe(COUNTING_ONCE.cacheCreate)
    expect(usage.output).toBe(COUNTING_ONCE.output)
    expect(usage.reasoning).toBe(COUNTING_ONCE.reasoning)
    expect(summary.totals.totalTokens).toBe(COUNTING_ONCE.totalTokens)
    expectCloseRelative(summary.totals.cost.usd, COUNTING_ONCE.costUsd)
    expect(summary.ledgers.counted).toBe(COUNTING_ONCE.ledgersCounted)
    expect(summary.ledgers.setAside).toBe(1)
  })

  it("fixture check names 4bfb37896f parent", async () => {
    const result = await runCli(["check", "--root", FIXTURE_HOME, "--json"])
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as { setAside: Array<Record<string, unknown>> }
    expect(report.setAside).toEqual([{
      workspaceId: "4bfb37896f",
      path: `${FIXTURE_HOME}/sessions/4bfb37896f/session-usage.json`,
      kind: "rolled-up",
      parentWorkspaceId: "625bb53436",
      parentLedgerPath: `${FIXTURE_HOME}/sessions/625bb53436/session-usage.json`
    }])
  })
})

// == CLI

describe("roll-ups through the CLI", () => {
  let base = ""
  beforeAll(() => {
    base = makeTempTree({
      ...inFolder("left", SET_ASIDE_CASES[1]?.[1] ?? {}),
      ...inFolder("cycle", cycle(2, false)),
      ...inFolder("parents", SEVERAL_PARENTS)
    }, "mux-rollups-cli-")
  })
  afterAll(() => removeTree(base))

  it("check names set-aside child", async () => {
    const result = await runCli(["check", "--root", `${base}/left/.mux`])
    expect(result.status).toBe(0)
    const line = result.stdout.split("\n").find((text) => text.startsWith("set aside"))
    expect(line).toBe(
      `set aside  ${ledgerPath(`${base}/left`, CHILD)}: rolled up into workspace ${PARENT}, whose ledger ${ledgerPath(`${base}/left`, PARENT)} already contains this usage`
    )
    expect(result.stdout).toContain("1 ledger counted")
    expect(result.stdout).toContain("1 set aside (1 rolled up, 0 copies)")
  })

  it("check json lists set-aside child", async () => {
    const result = await runCli(["check", "--root", `${base}/left/.mux`, "--json"])
    const report = JSON.parse(result.stdout) as {
      setAside: Array<Record<string, unknown>>
      counts: { setAside: number; ledgersCounted: number }
    }
    expect(report.setAside).toEqual([{
      workspaceId: CHILD,
      path: ledgerPath(`${base}/left`, CHILD),
      kind: "rolled-up",
      parentWorkspaceId: PARENT,
      parentLedgerPath: ledgerPath(`${base}/left`, PARENT)
    }])
    expect(report.counts.setAside).toBe(1)
    expect(report.counts.ledgersCounted).toBe(1)
  })

  it("summary counts parent only", async () => {
    const result = await runCli(["summary", "--root", `${base}/left/.mux`, "--json"])
    const summary = JSON.parse(result.stdout) as { totals: { totalTokens: number; cost: { usd: number } }; ledgers: { setAside: number } }
    expect(summary.totals.totalTokens).toBe(PARENT_TOTAL)
    expect(summary.totals.cost.usd).toBe(1.5)
    expect(summary.ledgers.setAside).toBe(1)
  })

  it("summary says how many set aside", async () => {
    const result = await runCli(["summary", "--root", `${base}/left/.mux`])
    expect(result.status).toBe(0)
    expect(result.stderr).toContain("1 sub-agent ledgers were set aside")
  })

  it("summary names set-aside parent", async () => {
    const result = await runCli(["summary", "--root", `${base}/left/.mux`])
    expect(result.stderr).toContain(PARENT)
  })

  it("check warns about cycle", async () => {
    const result = await runCli(["check", "--root", `${base}/cycle/.mux`, "--json"])
    const report = JSON.parse(result.stdout) as { anomalies: Array<{ kind: string; workspaceId: string; message: string }> }
    expect(report.anomalies.map((anomaly) => [anomaly.kind, anomaly.workspaceId]).sort()).toEqual([
      ["cycle", CYCLE_IDS[0]],
      ["cycle", CYCLE_IDS[1]]
    ])
    expect(report.anomalies[0]?.message).toContain("roll-up cycle")
  })

  it("summary warns about two parents", async () => {
    const result = await runCli(["summary", "--root", `${base}/parents/.mux`, "--json"])
    const summary = JSON.parse(result.stdout) as { totals: { totalTokens: number } }
    expect(summary.totals.totalTokens).toBe(SEVERAL_PARENTS_TOTAL)
    expect(result.stderr).toContain(
      `warning: workspace ${CHILD} is claimed as rolled up by several parents (1111111111, 2222222222)`
    )
  })
})
