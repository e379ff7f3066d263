import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { CollectorEvent } from "../src/domain/Outcome.js"
import type { SessionRelationshipRecord } from "../src/domain/SessionRelationshipRecord.js"
import { type AgentRow, type AgentSplit, AgentSplitBuilder } from "../src/report/agentSplit.js"
import { runCli } from "./support/cli.js"
import {
  BACKENDS,
  collectTree,
  configJson,
  type EntrySpec,
  FIXTURE_HOME,
  fixtureTree,
  ledgerJson,
  makeTempTree,
  readExpectedFixture,
  removeTree,
  type Tree
} from "./support/homeTree.js"

// == Tree. Every figure is summed by hand from the entries below.

const PROJECT = "/home/ana/src/shop"
const ROOT = "a1a1a1a1a1"
const OTHER_ROOT = "9999999999"
/** Listed sub-agent with its own ledger, never rolled up. */
const EXPLORE = "b2b2b2b2b2"
/** Rolled up, left on disk, still listed with its parent. */
const LEFT = "c3c3c3c3c3"
/** Rolled up and deleted: known only from the root's `rolledUpFrom`. */
const DELETED = "d4d4d4d4d4"
/** Rolled up and deleted by an older Mux that wrote `true`. */
const LEGACY = "e5e5e5e5e5"

const ROOT_OWN: EntrySpec = { tokens: [1000, 10000, 2000, 500, 100], usd: 1 } // 13,600
const DELETED_USAGE: EntrySpec = { tokens: [300, 3000, 0, 100, 0], usd: 0.25 } // 3,400
const LEFT_USAGE: EntrySpec = { tokens: [50, 500, 0, 20, 0], usd: 0.125 } // 570
const LEGACY_USAGE: EntrySpec = { tokens: [40, 0, 0, 10, 0], usd: 0.0625 } // 50
const EXPLORE_USAGE: EntrySpec = { tokens: [200, 0, 0, 30, 0], usd: 0.5 } // 230
const OTHER_ROOT_USAGE: EntrySpec = { tokens: [600, 0, 0, 60, 0], usd: 0.25 } // 660

const FAMILY: Tree = {
  ".mux/config.json": configJson([[PROJECT, [
    { id: ROOT, name: "fix-cart", title: "Fix cart totals" },
    { id: EXPLORE, name: "explore-1", parentWorkspaceId: ROOT, agentType: "explore" },
    { id: LEFT, name: "plan-1", parentWorkspaceId: ROOT, agentType: "plan" },
    { id: OTHER_ROOT, name: "docs" }
  ]]]),
  // 13,600 + 3,400 + 570 + 50 = 17,620 tokens, $1.4375: its own work with three children merged in.
  [`.mux/sessions/${ROOT}/session-usage.json`]: ledgerJson({
    byModel: {
      "anthropic:claude-opus-4-6": ROOT_OWN,
      "anthropic:claude-sonnet-4-5": DELETED_USAGE,
      "anthropic:claude-haiku-4-5": LEFT_USAGE,
      "openai:gpt-5.2": LEGACY_USAGE
    },
    lastRequestMs: 1788000100000,
    rolledUpFrom: {
      [DELETED]: { totalTokens: 3400, totalCostUsd: 0.25, agentType: "exec", model: "anthropic:claude-sonnet-4-5" },
      [LEFT]: { totalTokens: 570, totalCostUsd: 0.125, agentType: "plan", model: "anthropic:claude-haiku-4-5" },
      [LEGACY]: true
    }
  }),
  [`.mux/sessions/${LEFT}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-haiku-4-5": LEFT_USAGE },
    lastRequestMs: 1788000000000
  }),
  [`.mux/sessions/${EXPLORE}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": EXPLORE_USAGE },
    lastRequestMs: 1788000200000
  }),
  [`.mux/sessions/${OTHER_ROOT}/session-usage.json`]: ledgerJson({
    byModel: { "openai:gpt-5.1-codex": OTHER_ROOT_USAGE },
    lastRequestMs: 1788000300000
  })
}
/** Root 17,620 + explore 230 + other root 660. The left-over child is set aside. */
const FAMILY_TOTAL = 18510

const row = (agent: string, fields: Omit<AgentRow, "agent">): AgentRow => ({ agent, ...fields })
const sources = (ledger: number, setAside: number, rollUpEntry: number) => ({
  ledger,
  "set-aside-ledger": setAside,
  "roll-up-entry": rollUpEntry
})

const FAMILY_SPLIT: AgentSplit = {
  rows: [
    // Tokens 17,620 + 660 - 3,400 - 570 and $1.4375 + $0.25 - $0.25 - $0.125. The legacy child stays here.
    row("own work", { workspaces: 2, totalTokens: 14310, usd: 1.3125, costIncomplete: false, sources: sources(2, 0, 0) }),
    row("exec", { workspaces: 1, totalTokens: 3400, usd: 0.25, costIncomplete: false, sources: sources(0, 0, 1) }),
    row("plan", { workspaces: 1, totalTokens: 570, usd: 0.125, costIncomplete: false, sources: sources(0, 1, 0) }),
    row("explore", { workspaces: 1, totalTokens: 230, usd: 0.5, costIncomplete: false, sources: sources(1, 0, 0) })
  ],
  // 14,310 + 3,400 + 570 + 230 = FAMILY_TOTAL; $1.3125 + $0.25 + $0.125 + $0.5
  totals: { totalTokens: 18510, usd: 2.1875, costIncomplete: false },
  rollUpsWithoutTotals: 1
}

const relationship = (
  sessionId: string,
  fields: Omit<SessionRelationshipRecord, "v" | "source" | "sessionId">
): SessionRelationshipRecord => ({ v: 1, source: "mux", sessionId, ...fields })

const FAMILY_RELATIONSHIPS: ReadonlyArray<SessionRelationshipRecord> = [
  relationship(ROOT, { kind: "root", evidence: "config", rolledUp: false }),
  relationship(EXPLORE, { kind: "subagent", relatedSessionId: ROOT, subagentType: "explore", evidence: "config", rolledUp: false }),
  relationship(LEFT, { kind: "subagent", relatedSessionId: ROOT, subagentType: "plan", evidence: "config", rolledUp: true }),
  relationship(OTHER_ROOT, { kind: "root", evidence: "config", rolledUp: false }),
  relationship(DELETED, { kind: "subagent", relatedSessionId: ROOT, subagentType: "exec", evidence: "rolled-up-from", rolledUp: true }),
  relationship(LEGACY, { kind: "subagent", relatedSessionId: ROOT, evidence: "rolled-up-from", rolledUp: true })
]

/**
 * A child left on disk whose config.json entry is gone, and one listed without its preset:
 * in both, only the parent's roll-up entry names the preset.
 */
const PRESET_FROM_ENTRY: Tree = {
  ".mux/config.json": configJson([[PROJECT, [
    { id: ROOT, name: "fix-cart" },
    { id: EXPLORE, name: "unnamed-preset", parentWorkspaceId: ROOT }
  ]]]),
  // 13,600 + 570 + 230 = 14,400 tokens
  [`.mux/sessions/${ROOT}/session-usage.json`]: ledgerJson({
    byModel: {
      "anthropic:claude-opus-4-6": ROOT_OWN,
      "anthropic:claude-haiku-4-5": LEFT_USAGE,
      "anthropic:claude-sonnet-4-5": EXPLORE_USAGE
    },
    lastRequestMs: 1788000100000,
    rolledUpFrom: {
      [LEFT]: { totalTokens: 570, totalCostUsd: 0.125, agentType: "review" },
      [EXPLORE]: { totalTokens: 230, totalCostUsd: 0.5, agentType: "explore" }
    }
  }),
  [`.mux/sessions/${LEFT}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-haiku-4-5": LEFT_USAGE },
    lastRequestMs: 1788000000000
  }),
  [`.mux/sessions/${EXPLORE}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": EXPLORE_USAGE },
    lastRequestMs: 1788000000000
  })
}

/** Grandchild rolled into the child and the child into the root, both ledgers left on disk. */
const GRANDCHILD = "f6f6f6f6f6"
const CHAIN: Tree = {
  ".mux/config.json": configJson([[PROJECT, [
    { id: ROOT, name: "fix-cart" },
    { id: GRANDCHILD, name: "explore-2", parentWorkspaceId: LEFT, agentType: "explore" }
  ]]]),
  // 13,600 + 570 + 230 = 14,400 tokens
  [`.mux/sessions/${ROOT}/session-usage.json`]: ledgerJson({
    byModel: {
      "anthropic:claude-opus-4-6": ROOT_OWN,
      "anthropic:claude-haiku-4-5": LEFT_USAGE,
      "anthropic:claude-sonnet-4-5": EXPLORE_USAGE
    },
    lastRequestMs: 1788000100000,
    rolledUpFrom: { [LEFT]: { totalTokens: 800, totalCostUsd: 0.625, agentType: "plan" } }
  }),
  // 570 + 230 = 800 tokens
  [`.mux/sessions/${LEFT}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-haiku-4-5": LEFT_USAGE, "anthropic:claude-sonnet-4-5": EXPLORE_USAGE },
    lastRequestMs: 1788000000000,
    rolledUpFrom: { [GRANDCHILD]: { totalTokens: 230, totalCostUsd: 0.5, agentType: "explore" } }
  }),
  [`.mux/sessions/${GRANDCHILD}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": EXPLORE_USAGE },
    lastRequestMs: 1787999000000
  })
}

/** The same chain with the grandchild's folder deleted: only the left-over child's roll-up entry names it. */
const CHAIN_GRANDCHILD_DELETED: Tree = Object.fromEntries(
  Object.entries(CHAIN).filter(([file]) => !file.includes(GRANDCHILD))
)

/** A roll-up entry without a cost: Mux leaves `totalCostUsd` out when nothing was priced. */
const UNPRICED_ENTRY: Tree = {
  ".mux/config.json": configJson([[PROJECT, [{ id: ROOT, name: "fix-cart" }]]]),
  // 13,600 priced tokens + 3,400 unpriced ones
  [`.mux/sessions/${ROOT}/session-usage.json`]: ledgerJson({
    byModel: {
      "anthropic:claude-opus-4-6": ROOT_OWN,
      "vllm-lab:qwen3-coder-next": { tokens: [300, 3000, 0, 100, 0] }
    },
    lastRequestMs: 1788000100000,
    rolledUpFrom: { [DELETED]: { totalTokens: 3400, agentType: "exec" } }
  })
}

// == Helpers

/** Feeds the events to the split the way `summary --by agent` does, with no filter. */
const splitOf = (events: ReadonlyArray<CollectorEvent>): AgentSplit => {
  const builder = new AgentSplitBuilder()
  for (const event of events) {
    if (event._tag === "LedgerCounted" && event.records.length > 0) builder.addCounted(event, event.records)
    if (event._tag === "LedgerSetAside") builder.addSetAside(event)
  }
  return builder.build()
}

const relationshipsOf = (events: ReadonlyArray<CollectorEvent>): Array<SessionRelationshipRecord> =>
  events.flatMap((event) => (event._tag === "RelationshipFound" ? [event.relationship] : []))

const byId = (records: ReadonlyArray<SessionRelationshipRecord>) =>
  records.slice().sort((a, b) => a.sessionId.localeCompare(b.sessionId))

// == Library, on both file systems

for (const backend of BACKENDS) {
  describe(`agent split and relationships (${backend})`, () => {
    it.live("agent split moves children out", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FAMILY, [".mux"])
        expect(splitOf(events)).toEqual(FAMILY_SPLIT)
      }))

    it.live("agent rows add up to total", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FAMILY, [".mux"])
        const split = splitOf(events)
        expect(split.rows.reduce((sum, agentRow) => sum + agentRow.totalTokens, 0)).toBe(FAMILY_TOTAL)
      }))

    it.live("relationships cover every workspace", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FAMILY, [".mux"])
        expect(byId(relationshipsOf(events))).toEqual(byId(FAMILY_RELATIONSHIPS))
      }))

    it.live("unlisted child row uses entry preset", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, PRESET_FROM_ENTRY, [".mux"])
        const rows = Object.fromEntries(splitOf(events).rows.map((agentRow) => [agentRow.agent, agentRow]))
        expect(Object.keys(rows).sort()).toEqual(["explore", "own work", "review"])
        expect(rows["review"]?.totalTokens).toBe(570)
        expect(rows["review"]?.sources).toEqual(sources(0, 1, 0))
        expect(rows["explore"]?.totalTokens).toBe(230)
        expect(rows["own work"]?.totalTokens).toBe(13600)
      }))

    it.live("relationship uses entry preset", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, PRESET_FROM_ENTRY, [".mux"])
        expect(byId(relationshipsOf(events))).toEqual([
          relationship(ROOT, { kind: "root", evidence: "config", rolledUp: false }),
          relationship(EXPLORE, { kind: "subagent", relatedSessionId: ROOT, subagentType: "explore", evidence: "config", rolledUp: true }),
          relationship(LEFT, { kind: "subagent", relatedSessionId: ROOT, subagentType: "review", evidence: "rolled-up-from", rolledUp: true })
        ])
      }))

    it.live("chain splits each generation", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, CHAIN, [".mux"])
        expect(splitOf(events).rows).toEqual([
          row("own work", { workspaces: 1, totalTokens: 13600, usd: 1, costIncomplete: false, sources: sources(1, 0, 0) }),
          row("plan", { workspaces: 1, totalTokens: 570, usd: 0.125, costIncomplete: false, sources: sources(0, 1, 0) }),
          row("explore", { workspaces: 1, totalTokens: 230, usd: 0.5, costIncomplete: false, sources: sources(0, 1, 0) })
        ])
      }))

    it.live("chain moves deleted grandchild out", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, CHAIN_GRANDCHILD_DELETED, [".mux"])
        expect(splitOf(events).rows).toEqual([
          row("own work", { workspaces: 1, totalTokens: 13600, usd: 1, costIncomplete: false, sources: sources(1, 0, 0) }),
          row("plan", { workspaces: 1, totalTokens: 570, usd: 0.125, costIncomplete: false, sources: sources(0, 1, 0) }),
          row("explore", { workspaces: 1, totalTokens: 230, usd: 0.5, costIncomplete: false, sources: sources(0, 0, 1) })
        ])
      }))

    it.live("unpriced entry marks row incomplete", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, UNPRICED_ENTRY, [".mux"])
        expect(splitOf(events).rows).toEqual([
          row("own work", { workspaces: 1, totalTokens: 13600, usd: 1, costIncomplete: true, sources: sources(1, 0, 0) }),
          row("exec", { workspaces: 1, totalTokens: 3400, usd: null, costIncomplete: true, sources: sources(0, 0, 1) })
        ])
      }))
  })
}

// == Shared fixture

const FIXTURE_TREE = fixtureTree()
const EXPECTED = readExpectedFixture()

/** Tokens per sub-agent preset, from the expected file's per-workspace models. */
const EXPECTED_SUBAGENT_TOKENS: Record<string, number> = {}
for (const workspace of Object.values(EXPECTED.workspaces)) {
  if (workspace.parentWorkspaceId === null || workspace.agentType === null) continue
  const tokens = Object.values(workspace.models).reduce(
    (sum, model) => sum + model.input + model.cached + model.cacheCreate + model.output + model.reasoning,
    0
  )
  EXPECTED_SUBAGENT_TOKENS[workspace.agentType] = (EXPECTED_SUBAGENT_TOKENS[workspace.agentType] ?? 0) + tokens
}
const EXPECTED_OWN_WORK = EXPECTED.totals.countingOnce.totalTokens -
  Object.values(EXPECTED_SUBAGENT_TOKENS).reduce((sum, tokens) => sum + tokens, 0)

const B8C0_RELATIONSHIP = relationship("b8c0aea546", {
  kind: "subagent",
  relatedSessionId: "625bb53436",
  subagentType: "explore",
  evidence: "rolled-up-from",
  rolledUp: true
})

describe("agent split on the shared fixture", () => {
  it("expected file has explore and exec", () => {
    expect(Object.keys(EXPECTED_SUBAGENT_TOKENS).sort()).toEqual(["exec", "explore"])
  })

  for (const backend of BACKENDS) {
    it.live(`fixture agent rows match expected (${backend})`, () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FIXTURE_TREE, [".mux"])
        const rows = Object.fromEntries(splitOf(events).rows.map((agentRow) => [agentRow.agent, agentRow.totalTokens]))
        expect(rows).toEqual({ "own work": EXPECTED_OWN_WORK, ...EXPECTED_SUBAGENT_TOKENS })
      }))

    it.live(`fixture b8c0aea546 is subagent (${backend})`, () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FIXTURE_TREE, [".mux"])
        const found = relationshipsOf(events).filter((record) => record.sessionId === "b8c0aea546")
        expect(found).toEqual([B8C0_RELATIONSHIP])
      }))
  }

  it("fixture agent rows add to total", async () => {
    const result = await runCli(["summary", "--root", FIXTURE_HOME, "--by", "agent", "--json"])
    expect(result.status).toBe(0)
    const split = JSON.parse(result.stdout) as AgentSplit
    const sum = split.rows.reduce((total, agentRow) => total + agentRow.totalTokens, 0)
    expect(sum).toBe(EXPECTED.totals.countingOnce.totalTokens)
    expect(split.rows.map((agentRow) => agentRow.agent)).toContain("own work")
  })

  it("fixture relationships list b8c0aea546", async () => {
    const result = await runCli(["records", "--kind", "relationships", "--root", FIXTURE_HOME])
    expect(result.status).toBe(0)
    const records = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as SessionRelationshipRecord)
    expect(records.filter((record) => record.sessionId === "b8c0aea546")).toEqual([B8C0_RELATIONSHIP])
    const roots = records.filter((record) => record.kind === "root").map((record) => record.sessionId)
    const expectedRoots = Object.entries(EXPECTED.workspaces)
      .filter(([, workspace]) => workspace.parentWorkspaceId === null)
      .map(([id]) => id)
    expect(roots.sort()).toEqual(expectedRoots.sort())
  })
})

// == CLI

describe("agent split through the CLI", () => {
  let base = ""
  beforeAll(() => {
    base = makeTempTree(FAMILY, "mux-agent-cli-")
  })
  afterAll(() => removeTree(base))

  it("summary by agent json", async () => {
    const result = await runCli(["summary", "--root", `${base}/.mux`, "--by", "agent", "--json"])
    expect(result.status).toBe(0)
    const output = JSON.parse(result.stdout)
    expect(output).toMatchObject({ by: "agent", ...FAMILY_SPLIT })
    expect(output.ledgers).toEqual({ counted: 3, failed: 0, withInvalidEntries: 0, setAside: 1 })
    expect(output.errorCount).toBe(0)
    expect(output.dateFilter.active).toBe(false)
  })

  it("agent table names sources", async () => {
    const result = await runCli(["summary", "--root", `${base}/.mux`, "--by", "agent"])
    expect(result.status).toBe(0)
    const lines = result.stdout.split("\n")
    expect(lines.find((line) => line.includes(" exec "))).toMatch(/3,400 .*\$0\.2500 .*1 roll-up entry totals/)
    expect(lines.find((line) => line.includes(" plan "))).toMatch(/570 .*\$0\.1250 .*1 set-aside child ledgers/)
    expect(lines.find((line) => line.includes(" own work "))).toMatch(/14,310 .*\$1\.31 .*2 ledgers/)
    expect(result.stdout).toContain("1 roll-ups from older Mux versions have no totals")
  })

  it("relationships as JSON Lines", async () => {
    const result = await runCli(["records", "--kind", "relationships", "--root", `${base}/.mux`])
    expect(result.status).toBe(0)
    const records = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as SessionRelationshipRecord)
    expect(byId(records)).toEqual(byId(FAMILY_RELATIONSHIPS))
  })

  it("relationships as JSON array", async () => {
    const result = await runCli(["records", "--kind", "relationships", "--root", `${base}/.mux`, "--json"])
    expect(result.status).toBe(0)
    expect(byId(JSON.parse(result.stdout) as Array<SessionRelationshipRecord>)).toEqual(byId(FAMILY_RELATIONSHIPS))
  })
})
