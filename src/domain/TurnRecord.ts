/**
 * The ledger record that token-spend analysers such as burn ingest (ledger contract v1).
 * Mux keeps per-model totals per workspace, so each record is one model's aggregate in
 * one workspace, not one turn. That is why `turnIndex` is always 0 and `granularity` is `per-session-aggregate`.
 */
export interface TurnRecord {
  readonly v: 1
  readonly source: "mux"
  /** Workspace id (the session folder's name). One workspace can span many conversations. */
  readonly sessionId: string
  /** Path of the ledger file the record comes from. */
  readonly sessionPath: string
  /** `mux:<workspaceId>:<model key as written>`: stable across runs, distinct across workspaces. */
  readonly messageId: string
  readonly turnIndex: 0
  /** ISO-8601 UTC time the aggregate is dated by; see `tsSource`. */
  readonly ts: string
  readonly tsSource: TimestampSource
  /** Model key after its first colon, or the whole key when it has none. */
  readonly model: string
  /** Part of the model key before its first colon; absent for keys without one (`historical`, `unknown`). */
  readonly provider?: string
  /** Model key exactly as written in the ledger. */
  readonly modelKey: string
  readonly usage: TokenUsage
  readonly cost: RecordCost
  readonly toolCalls: ReadonlyArray<never>
  readonly granularity: "per-session-aggregate"
  readonly fidelity: Fidelity
  /** Project path from `config.json`, when the workspace is listed there. */
  readonly project?: string
  /** Normalized project path, for grouping. */
  readonly projectKey?: string
  /** Workspace name from `config.json`. */
  readonly workspaceName?: string
  /** Workspace title from `config.json`, written by a model: it can contain any character. */
  readonly workspaceTitle?: string
  /** Present when the workspace is a sub-agent of another workspace. */
  readonly subagent?: SubagentLink
}

/**
 * Source of `ts`: the ledger's `lastRequest.timestamp`, or the file's modification time
 * when that is absent or implausible. `run-time` is used only when a file system
 * reports no modification time at all.
 */
export type TimestampSource = "last-request" | "file-mtime" | "run-time"

/**
 * Token counts in disjoint buckets: total = input + cacheRead + cacheCreate5m +
 * cacheCreate1h + output + reasoning. Mux's `output` excludes reasoning, and Mux records
 * no cache lifetime, so all cache writes are in `cacheCreate5m` and `cacheCreate1h` is 0.
 */
export interface TokenUsage {
  readonly input: number
  readonly cacheRead: number
  readonly cacheCreate5m: number
  readonly cacheCreate1h: number
  readonly output: number
  readonly reasoning: number
}

/**
 * How far the stored cost can be trusted:
 * - `recorded`: every bucket had a price; 0 is a real price of zero.
 * - `partial`: some calls or buckets had no known price, so `usd` is a lower bound.
 * - `unpriced`: no price was known; `usd` is null, never 0.
 * - `included`: some or all calls were covered by a subscription; `usd` is what was paid outside it.
 */
export type CostBasis = "recorded" | "partial" | "unpriced" | "included"

export interface RecordCost {
  /** Sum of the stored `cost_usd` values in US dollars; null when unpriced. Never recomputed from tokens. */
  readonly usd: number | null
  readonly basis: CostBasis
  /**
   * Subscription coverage, set when Mux marked the entry `costsIncluded`. It is `all` when
   * every bucket is priced and the stored cost is 0. It is `some` when a positive cost shows
   * that part of the usage was billed through an API key, or when some prices were unknown
   * (the basis is then `partial` or `unpriced`).
   */
  readonly subscriptionCovers?: "all" | "some"
}

export interface Fidelity {
  readonly granularity: "per-session-aggregate"
  readonly coverage: Coverage
  readonly class: "aggregate-only"
}

export interface Coverage {
  readonly tokenKinds: true
  readonly toolCalls: false
  readonly toolResults: false
  readonly sessionRelationships: boolean
  readonly rawContent: false
}

/** burn's sub-agent block: this workspace was spawned by another one. */
export interface SubagentLink {
  readonly isSidechain: true
  readonly agentId: string
  readonly parentAgentId: string
  readonly subagentType?: string
}

/** Sum of a usage's buckets. */
export const totalTokens = (usage: TokenUsage): number =>
  usage.input + usage.cacheRead + usage.cacheCreate5m + usage.cacheCreate1h + usage.output + usage.reasoning
