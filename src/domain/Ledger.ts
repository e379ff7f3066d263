import { Schema } from "effect"

/**
 * Schemas for `session-usage.json`, the per-workspace ledger Mux writes.
 * They describe what Mux 0.28 (Xum) writes, with `version` 1.
 */

/** Token count: a finite, non-negative integer that a JavaScript number represents exactly. */
export const TokenCount = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n >= 0, {
    message: () => "must be a non-negative integer of at most 2^53 - 1"
  })
)

/** A cost in US dollars as Mux stored it: finite and not negative. */
export const CostUsd = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n >= 0, {
    message: () => "must be a finite, non-negative number"
  })
)

/** One of the five token buckets of a model entry. */
export const UsageBucket = Schema.Struct({
  tokens: TokenCount,
  cost_usd: Schema.optional(CostUsd)
})
export type UsageBucket = typeof UsageBucket.Type

/** Names of the five disjoint buckets, in the order Mux writes them. */
export const BUCKET_NAMES = ["input", "cached", "cacheCreate", "output", "reasoning"] as const
export type BucketName = (typeof BUCKET_NAMES)[number]

/**
 * Cumulative usage of one model in one workspace. The buckets are disjoint: `input`
 * excludes cache reads and writes, and `output` excludes reasoning.
 */
export const ModelEntry = Schema.Struct({
  input: UsageBucket,
  cached: UsageBucket,
  cacheCreate: UsageBucket,
  output: UsageBucket,
  reasoning: UsageBucket,
  /** Raw model string the user picked; the key stays the identity. */
  model: Schema.optional(Schema.String),
  /** Set when some calls had no known price, so the stored cost may be low or a placeholder 0. */
  hasUnknownCosts: Schema.optional(Schema.Boolean),
  /** Set when at least one call was covered by a subscription and priced at 0 on purpose. */
  costsIncluded: Schema.optional(Schema.Boolean)
})
export type ModelEntry = typeof ModelEntry.Type

/** One entry of `rolledUpFrom`: `true` in older files, otherwise the child's totals. */
export const RollUpEntry = Schema.Union(
  Schema.Literal(true),
  Schema.Struct({
    totalTokens: Schema.optional(Schema.Number),
    totalCostUsd: Schema.optional(Schema.Number),
    inputTokens: Schema.optional(Schema.Number),
    outputTokens: Schema.optional(Schema.Number),
    reasoningTokens: Schema.optional(Schema.Number),
    cachedTokens: Schema.optional(Schema.Number),
    cacheCreateTokens: Schema.optional(Schema.Number),
    agentType: Schema.optional(Schema.String),
    model: Schema.optional(Schema.String),
    rolledUpAtMs: Schema.optional(Schema.Number)
  })
)
export type RollUpEntry = typeof RollUpEntry.Type

/**
 * The ledger file as far as the collector checks it at the top level. Model entries are
 * decoded one by one afterwards, so one bad entry does not fail the others.
 */
export const LedgerEnvelope = Schema.Struct({
  version: Schema.Literal(1),
  byModel: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  lastRequest: Schema.optional(Schema.Unknown),
  rolledUpFrom: Schema.optional(Schema.Unknown)
})

/** A ledger after decoding: valid entries only, in file order. */
export interface Ledger {
  readonly entries: ReadonlyArray<readonly [modelKey: string, entry: ModelEntry]>
  /** `lastRequest.timestamp` when it is a number (epoch milliseconds); not yet checked for plausibility. */
  readonly lastRequestMs: number | undefined
  /** Valid `rolledUpFrom` entries by child workspace id. */
  readonly rolledUpFrom: ReadonlyArray<readonly [childWorkspaceId: string, entry: RollUpEntry]>
}
