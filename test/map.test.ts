import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import type { Ledger, ModelEntry } from "../src/domain/Ledger.js"
import type { TurnRecord } from "../src/domain/TurnRecord.js"
import type { WorkspaceFolder } from "../src/domain/Workspace.js"
import type { WorkspaceInfo } from "../src/domain/WorkspaceConfig.js"
import { type MappingContext, toTurnRecords } from "../src/map/toTurnRecords.js"

const FOLDER: WorkspaceFolder = {
  home: "/home/ana/.mux",
  workspaceId: "a1b2c3d4e5",
  folderPath: "/home/ana/.mux/sessions/a1b2c3d4e5",
  ledgerPath: "/home/ana/.mux/sessions/a1b2c3d4e5/session-usage.json"
}

const NOW_MS = Date.UTC(2026, 10, 20, 12, 0, 0)
const MTIME = new Date(Date.UTC(2026, 10, 19, 8, 30, 0))
const LAST_REQUEST_MS = Date.UTC(2026, 10, 18, 17, 45, 12, 345)
const ONE_DAY_MS = 24 * 60 * 60 * 1000

const CONTEXT: MappingContext = { nowMs: NOW_MS, modifiedAt: Option.some(MTIME) }

type Bucket = { readonly tokens: number; readonly cost_usd?: number }

/** An entry with the given tokens per bucket (input, cached, cacheCreate, output, reasoning) and costs. */
const entry = (
  tokens: readonly [number, number, number, number, number],
  costs: ReadonlyArray<number | undefined>,
  flags: Partial<Pick<ModelEntry, "hasUnknownCosts" | "costsIncluded" | "model">> = {}
): ModelEntry => {
  const bucket = (index: 0 | 1 | 2 | 3 | 4): Bucket => {
    const cost = costs[index]
    return cost === undefined ? { tokens: tokens[index] } : { tokens: tokens[index], cost_usd: cost }
  }
  return {
    input: bucket(0),
    cached: bucket(1),
    cacheCreate: bucket(2),
    output: bucket(3),
    reasoning: bucket(4),
    ...flags
  }
}

const OPUS = entry([1200, 48000, 2100, 900, 300], [0.006, 0.024, 0.013125, 0.0225, 0.0075])

/** A ledger dated by `lastRequestMs`; pass undefined for a ledger without `lastRequest`. */
const ledgerAt = (
  entries: ReadonlyArray<readonly [string, ModelEntry]>,
  lastRequestMs: number | undefined
): Ledger => ({ entries, lastRequestMs, rolledUpFrom: [] })

/** A ledger whose last request is `LAST_REQUEST_MS`. */
const ledgerOf = (entries: ReadonlyArray<readonly [string, ModelEntry]>): Ledger => ledgerAt(entries, LAST_REQUEST_MS)

/** Maps a ledger with one entry and returns its only record. */
const mapOne = (modelKey: string, modelEntry: ModelEntry, context: MappingContext = CONTEXT): TurnRecord => {
  const records = toTurnRecords(FOLDER, ledgerOf([[modelKey, modelEntry]]), context)
  expect(records).toHaveLength(1)
  const [record] = records
  if (record === undefined) throw new Error("no record")
  return record
}

const expectClose = (actual: number | null, expected: number) => {
  expect(actual).not.toBeNull()
  expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-9)
}

describe("toTurnRecords cost basis", () => {
  it("recorded when every bucket priced", () => {
    const { cost } = mapOne("anthropic:claude-opus-4-6", OPUS)
    expect(cost.basis).toBe("recorded")
    expectClose(cost.usd, 0.073125)
  })

  it("recorded real zero price", () => {
    const free = entry([5000, 0, 0, 400, 0], [0, 0, 0, 0, 0])
    const { cost } = mapOne("github-copilot:gpt-5", free)
    expect(cost).toEqual({ usd: 0, basis: "recorded" })
  })

  it("partial when some buckets lack cost", () => {
    const someMissing = entry([1000, 2000, 0, 300, 0], [0.005, undefined, 0, 0.0075, undefined])
    const { cost } = mapOne("anthropic:claude-sonnet-4-5", someMissing)
    expect(cost.basis).toBe("partial")
    expectClose(cost.usd, 0.0125)
  })

  it("partial via hasUnknownCosts with positive sum", () => {
    const flagged = entry([2000, 30000, 1000, 1500, 0], [0.006, 0.009, 0.00375, 0.0225, 0], {
      hasUnknownCosts: true
    })
    const { cost } = mapOne("anthropic:claude-sonnet-4-5", flagged)
    expect(cost.basis).toBe("partial")
    expectClose(cost.usd, 0.04125)
  })

  it("unpriced without any cost_usd", () => {
    const noCosts = entry([8697, 0, 0, 606, 0], [])
    const { cost } = mapOne("vllm-lab:qwen3-coder-next", noCosts)
    expect(cost).toEqual({ usd: null, basis: "unpriced" })
  })

  it("unpriced via hasUnknownCosts all zero", () => {
    const zeroFlagged = entry([120000, 0, 0, 18000, 0], [0, 0, 0, 0, 0], { hasUnknownCosts: true })
    const { cost } = mapOne("ollama:qwen3-coder:30b", zeroFlagged)
    expect(cost).toEqual({ usd: null, basis: "unpriced" })
  })

  it("included with zero sum covers all", () => {
    const covered = entry([40000, 160000, 0, 12000, 8000], [0, 0, 0, 0, 0], { costsIncluded: true })
    const { cost } = mapOne("openai:gpt-5.1-codex", covered)
    expect(cost).toEqual({ usd: 0, basis: "included", subscriptionCovers: "all" })
  })

  it("included with positive sum covers some", () => {
    const mixed = entry([30000, 50000, 0, 6000, 2000], [0.0175, 0.0035, 0, 0.028, 0.014], { costsIncluded: true })
    const { cost } = mapOne("openai:gpt-5.2", mixed)
    expect(cost.basis).toBe("included")
    expect(cost.subscriptionCovers).toBe("some")
    expectClose(cost.usd, 0.063)
  })

  it("included with unknown costs is partial", () => {
    const flagged = entry([1000, 0, 0, 100, 0], [0, 0, 0, 0, 0], { costsIncluded: true, hasUnknownCosts: true })
    const { cost } = mapOne("openai:gpt-5.2", flagged)
    expect(cost).toEqual({ usd: 0, basis: "partial", subscriptionCovers: "some" })
  })

  it("included with no prices is unpriced", () => {
    const noPrices = entry([1000, 0, 0, 100, 0], [], { costsIncluded: true })
    const { cost } = mapOne("openai:gpt-5.2", noPrices)
    expect(cost).toEqual({ usd: null, basis: "unpriced", subscriptionCovers: "some" })
  })

  it("included with some prices is partial", () => {
    const somePrices = entry([1000, 0, 0, 100, 0], [0.1, 0, 0], { costsIncluded: true })
    const { cost } = mapOne("openai:gpt-5.2", somePrices)
    expect(cost.basis).toBe("partial")
    expect(cost.subscriptionCovers).toBe("some")
    expectClose(cost.usd, 0.1)
  })

  it("usd is never recomputed from tokens", () => {
    // A long-context tier makes the stored figure differ from any per-token price.
    const stored = entry([300000, 0, 0, 1000, 0], [1.2345, 0, 0, 0.0001, 0])
    const { cost } = mapOne("anthropic:claude-sonnet-4-5", stored)
    expectClose(cost.usd, 1.2346)
  })
})

describe("toTurnRecords timestamp", () => {
  it("uses last request", () => {
    const record = mapOne("m:x", OPUS)
    expect(record.tsSource).toBe("last-request")
    expect(record.ts).toBe(new Date(LAST_REQUEST_MS).toISOString())
  })

  it("file mtime without lastRequest", () => {
    const [record] = toTurnRecords(FOLDER, ledgerAt([["m:x", OPUS]], undefined), CONTEXT)
    expect(record?.tsSource).toBe("file-mtime")
    expect(record?.ts).toBe(MTIME.toISOString())
  })

  it("file mtime for seconds timestamp", () => {
    const [record] = toTurnRecords(FOLDER, ledgerAt([["m:x", OPUS]], Math.floor(LAST_REQUEST_MS / 1000)), CONTEXT)
    expect(record?.tsSource).toBe("file-mtime")
    expect(record?.ts).toBe(MTIME.toISOString())
  })

  it("file mtime before 2020", () => {
    const [record] = toTurnRecords(FOLDER, ledgerAt([["m:x", OPUS]], Date.UTC(2019, 11, 31, 23, 59, 59)), CONTEXT)
    expect(record?.tsSource).toBe("file-mtime")
  })

  it("2020-01-01 is plausible", () => {
    const [record] = toTurnRecords(FOLDER, ledgerAt([["m:x", OPUS]], Date.UTC(2020, 0, 1)), CONTEXT)
    expect(record?.tsSource).toBe("last-request")
  })

  it("file mtime beyond one day ahead", () => {
    const [record] = toTurnRecords(FOLDER, ledgerAt([["m:x", OPUS]], NOW_MS + ONE_DAY_MS + 1), CONTEXT)
    expect(record?.tsSource).toBe("file-mtime")
  })

  it("exactly one day ahead is plausible", () => {
    const [record] = toTurnRecords(FOLDER, ledgerAt([["m:x", OPUS]], NOW_MS + ONE_DAY_MS), CONTEXT)
    expect(record?.tsSource).toBe("last-request")
  })

  it("run time without mtime", () => {
    const context: MappingContext = { nowMs: NOW_MS, modifiedAt: Option.none() }
    const [record] = toTurnRecords(FOLDER, ledgerAt([["m:x", OPUS]], undefined), context)
    expect(record?.tsSource).toBe("run-time")
    expect(record?.ts).toBe(new Date(NOW_MS).toISOString())
  })

  it("one timestamp for every record", () => {
    const records = toTurnRecords(FOLDER, ledgerAt([["a:x", OPUS], ["b:y", OPUS]], undefined), CONTEXT)
    expect(new Set(records.map((record) => record.ts)).size).toBe(1)
  })
})

describe("toTurnRecords model key", () => {
  it.each([
    ["anthropic:claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"],
    ["ollama:qwen3-coder:30b", "ollama", "qwen3-coder:30b"],
    ["lmstudio:qwen/qwen3-coder:q8_0", "lmstudio", "qwen/qwen3-coder:q8_0"],
    ["anthropic:claude-sonnet-4-5-20250929-v1:0", "anthropic", "claude-sonnet-4-5-20250929-v1:0"],
    ["openrouter:z-ai/glm-4.6", "openrouter", "z-ai/glm-4.6"],
    ["vllm-lab:qwen3-coder-next", "vllm-lab", "qwen3-coder-next"]
  ])("%s splits at first colon", (key, provider, model) => {
    const record = mapOne(key, OPUS)
    expect(record.provider).toBe(provider)
    expect(record.model).toBe(model)
    expect(record.modelKey).toBe(key)
  })

  it.each(["historical", "unknown"])("%s has no provider", (key) => {
    const record = mapOne(key, OPUS)
    expect("provider" in record).toBe(false)
    expect(record.model).toBe(key)
    expect(record.modelKey).toBe(key)
  })

  it("messageId keeps key as written", () => {
    const record = mapOne("ollama:qwen3-coder:30b", OPUS)
    expect(record.messageId).toBe("mux:a1b2c3d4e5:ollama:qwen3-coder:30b")
  })

  it("model hint does not replace key", () => {
    const hinted = { ...OPUS, model: "openrouter:anthropic/claude-sonnet-4.5" }
    const record = mapOne("anthropic:claude-sonnet-4.5", hinted)
    expect(record.provider).toBe("anthropic")
    expect(record.model).toBe("claude-sonnet-4.5")
  })
})

describe("toTurnRecords records", () => {
  it("all-zero entry gives no record", () => {
    const zero = entry([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])
    const records = toTurnRecords(FOLDER, ledgerOf([["m:zero", zero], ["m:x", OPUS]]), CONTEXT)
    expect(records.map((record) => record.modelKey)).toEqual(["m:x"])
  })

  it("all-zero entry without costs gives none", () => {
    const zero = entry([0, 0, 0, 0, 0], [])
    expect(toTurnRecords(FOLDER, ledgerOf([["m:zero", zero]]), CONTEXT)).toEqual([])
  })

  it("cost without tokens gives a record", () => {
    const costOnly = entry([0, 0, 0, 0, 0], [0.01, 0, 0, 0, 0])
    expect(toTurnRecords(FOLDER, ledgerOf([["m:x", costOnly]]), CONTEXT)).toHaveLength(1)
  })

  it("empty byModel gives no record", () => {
    expect(toTurnRecords(FOLDER, ledgerOf([]), CONTEXT)).toEqual([])
  })

  it("one record per entry in order", () => {
    const records = toTurnRecords(FOLDER, ledgerOf([["b:second", OPUS], ["a:first", OPUS]]), CONTEXT)
    expect(records.map((record) => record.modelKey)).toEqual(["b:second", "a:first"])
  })

  it("maps usage buckets disjointly", () => {
    const record = mapOne("openai:gpt-5.1-codex", entry([20000, 180000, 700, 6000, 24000], [0, 0, 0, 0, 0]))
    expect(record.usage).toEqual({
      input: 20000,
      cacheRead: 180000,
      cacheCreate5m: 700,
      cacheCreate1h: 0,
      output: 6000,
      reasoning: 24000
    })
  })

  it("fixed record fields", () => {
    const record = mapOne("m:x", OPUS)
    expect(record.v).toBe(1)
    expect(record.source).toBe("mux")
    expect(record.sessionId).toBe(FOLDER.workspaceId)
    expect(record.sessionPath).toBe(FOLDER.ledgerPath)
    expect(record.turnIndex).toBe(0)
    expect(record.toolCalls).toEqual([])
    expect(record.granularity).toBe("per-session-aggregate")
  })
})

describe("toTurnRecords fidelity and config", () => {
  const workspace: WorkspaceInfo = {
    id: FOLDER.workspaceId,
    project: "/home/ana/src/shop/",
    projectKey: "/home/ana/src/shop",
    name: "fix-cart",
    title: "Fix cart totals",
    archived: false
  }

  it("fidelity without config entry", () => {
    const record = mapOne("m:x", OPUS)
    expect(record.fidelity).toEqual({
      granularity: "per-session-aggregate",
      coverage: { tokenKinds: true, toolCalls: false, toolResults: false, sessionRelationships: false, rawContent: false },
      class: "aggregate-only"
    })
  })

  it("config entry adds relationships coverage", () => {
    const record = mapOne("m:x", OPUS, { ...CONTEXT, workspace })
    expect(record.fidelity.coverage.sessionRelationships).toBe(true)
    expect(record.fidelity.class).toBe("aggregate-only")
  })

  it("config entry adds project fields", () => {
    const record = mapOne("m:x", OPUS, { ...CONTEXT, workspace })
    expect(record.project).toBe("/home/ana/src/shop/")
    expect(record.projectKey).toBe("/home/ana/src/shop")
    expect(record.workspaceName).toBe("fix-cart")
    expect(record.workspaceTitle).toBe("Fix cart totals")
    expect(record.subagent).toBeUndefined()
  })

  it("no config entry, no project fields", () => {
    const record = mapOne("m:x", OPUS)
    expect("project" in record).toBe(false)
    expect("workspaceTitle" in record).toBe(false)
  })

  it("sub-agent gets subagent block", () => {
    const child: WorkspaceInfo = { ...workspace, parentWorkspaceId: "0f9e8d7c6b", agentType: "explore" }
    const record = mapOne("m:x", OPUS, { ...CONTEXT, workspace: child })
    expect(record.subagent).toEqual({
      isSidechain: true,
      agentId: FOLDER.workspaceId,
      parentAgentId: "0f9e8d7c6b",
      subagentType: "explore"
    })
  })
})
