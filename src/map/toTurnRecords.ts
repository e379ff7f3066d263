import { Option } from "effect"
import type { Ledger, ModelEntry } from "../domain/Ledger.js"
import type { RecordCost, TimestampSource, TokenUsage, TurnRecord } from "../domain/TurnRecord.js"
import type { WorkspaceFolder } from "../domain/Workspace.js"
import type { WorkspaceInfo } from "../domain/WorkspaceConfig.js"
import { workspaceFields } from "./workspaceFields.js"
import { BUCKET_NAMES } from "../domain/Ledger.js"

/** Earliest plausible `lastRequest.timestamp`: 2020-01-01T00:00:00Z, before Mux existed. */
const EARLIEST_PLAUSIBLE_MS = Date.UTC(2020, 0, 1)
const ONE_DAY_MS = 24 * 60 * 60 * 1000

/** Inputs of the mapping besides the ledger. */
export interface MappingContext {
  /** Time of the run in epoch milliseconds; a timestamp more than a day after it is implausible. */
  readonly nowMs: number
  readonly modifiedAt: Option.Option<Date>
  /** The workspace's entry in `config.json`, when it has one. */
  readonly workspace?: WorkspaceInfo | undefined
}

/**
 * Maps a decoded ledger to one `TurnRecord` per model entry that has tokens or a cost,
 * with the workspace's fields from `config.json`. A forked or reset workspace has
 * entries of all zeros; they give no record. Records are built field by field in a
 * fixed order, because this runs once per model per workspace.
 */
export const toTurnRecords = (folder: WorkspaceFolder, ledger: Ledger, context: MappingContext): Array<TurnRecord> => {
  const { ts, tsSource } = dateLedger(ledger.lastRequestMs, context)
  const workspace = context.workspace
  // A workspace listed in config.json has known relationships: it is a root or a child.
  const fidelity = workspace === undefined ? AGGREGATE_ONLY : AGGREGATE_ONLY_WITH_RELATIONSHIPS
  const extra = workspace === undefined ? undefined : workspaceFields(workspace)
  const records: Array<TurnRecord> = []
  for (const [modelKey, entry] of ledger.entries) {
    if (!hasUsage(entry)) continue
    const colon = modelKey.indexOf(":")
    const record: Mutable<TurnRecord> = {
      v: 1,
      source: "mux",
      sessionId: folder.workspaceId,
      sessionPath: folder.ledgerPath,
      messageId: `mux:${folder.workspaceId}:${modelKey}`,
      turnIndex: 0,
      ts,
      tsSource,
      model: colon === -1 ? modelKey : modelKey.slice(colon + 1)
    } as Mutable<TurnRecord>
    if (colon !== -1) record.provider = modelKey.slice(0, colon)
    record.modelKey = modelKey
    record.usage = toUsage(entry)
    record.cost = toCost(entry)
    record.toolCalls = []
    record.granularity = "per-session-aggregate"
    record.fidelity = fidelity
    records.push(extra === undefined ? record : Object.assign(record, extra))
  }
  return records
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const AGGREGATE_ONLY = {
  granularity: "per-session-aggregate",
  coverage: { tokenKinds: true, toolCalls: false, toolResults: false, sessionRelationships: false, rawContent: false },
  class: "aggregate-only"
} as const

const AGGREGATE_ONLY_WITH_RELATIONSHIPS = {
  ...AGGREGATE_ONLY,
  coverage: { ...AGGREGATE_ONLY.coverage, sessionRelationships: true }
} as const

/**
 * Dates a ledger by its last request when that is a plausible epoch-millisecond time,
 * from 2020 to one day after the run. A value in seconds falls before 2020, so it is rejected.
 */
export const dateLedger = (
  lastRequestMs: number | undefined,
  context: MappingContext
): { readonly ts: string; readonly tsSource: TimestampSource } => {
  if (
    lastRequestMs !== undefined &&
    lastRequestMs >= EARLIEST_PLAUSIBLE_MS &&
    lastRequestMs <= context.nowMs + ONE_DAY_MS
  ) {
    return { ts: new Date(lastRequestMs).toISOString(), tsSource: "last-request" }
  }
  return Option.match(context.modifiedAt, {
    onNone: () => ({ ts: new Date(context.nowMs).toISOString(), tsSource: "run-time" as const }),
    onSome: (modifiedAt) => ({ ts: modifiedAt.toISOString(), tsSource: "file-mtime" as const })
  })
}

const hasUsage = (entry: ModelEntry): boolean => {
  for (const name of BUCKET_NAMES) {
    const bucket = entry[name]
    if (bucket.tokens > 0 || (bucket.cost_usd ?? 0) > 0) return true
  }
  return false
}

const toUsage = (entry: ModelEntry): TokenUsage => ({
  input: entry.input.tokens,
  cacheRead: entry.cached.tokens,
  cacheCreate5m: entry.cacheCreate.tokens,
  cacheCreate1h: 0,
  output: entry.output.tokens,
  reasoning: entry.reasoning.tokens
})

/**
 * Reads the cost basis from the stored figures and flags; the dollar amount is always
 * the sum of the stored `cost_usd` values. Mux writes `cost_usd: 0` in every bucket with
 * `hasUnknownCosts` for a model it cannot price after two or more calls, so that zero
 * means "unknown", not "free".
 */
export const toCost = (entry: ModelEntry): RecordCost => {
  let usd = 0
  let pricedBuckets = 0
  for (const name of BUCKET_NAMES) {
    const cost = entry[name].cost_usd
    if (cost !== undefined) {
      usd += cost
      pricedBuckets += 1
    }
  }
  if (entry.costsIncluded === true) {
    // Subscription-covered calls are priced at 0 on purpose, but a missing price or Mux's
    // unknown-cost flag still means the figure may be incomplete, and that takes precedence over "included".
    if (pricedBuckets === 0) return { usd: null, basis: "unpriced", subscriptionCovers: "some" }
    const subscriptionCovers = usd > 0 ? "some" : "all"
    if (entry.hasUnknownCosts === true || pricedBuckets < BUCKET_NAMES.length) {
      return { usd, basis: "partial", subscriptionCovers: "some" }
    }
    return { usd, basis: "included", subscriptionCovers }
  }
  if (pricedBuckets === 0) return { usd: null, basis: "unpriced" }
  if (entry.hasUnknownCosts === true) return usd > 0 ? { usd, basis: "partial" } : { usd: null, basis: "unpriced" }
  if (pricedBuckets < BUCKET_NAMES.length) return { usd, basis: "partial" }
  return { usd, basis: "recorded" }
}
