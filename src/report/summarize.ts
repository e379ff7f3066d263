import { compareCodeUnits } from "../domain/compareCodeUnits.js"
import type { CostBasis, TokenUsage, TurnRecord } from "../domain/TurnRecord.js"
import { totalTokens } from "../domain/TurnRecord.js"
import { dayOf } from "./timeFilter.js"

/** Grouping of `summary --by`. `agent` and `tool` have their own reports. */
export type GroupBy = "model" | "provider" | "workspace" | "day" | "project"

/** Totals of a group of records. */
export interface SpendTotals {
  readonly records: number
  readonly workspaces: number
  readonly usage: TokenUsage
  readonly totalTokens: number
  readonly cost: GroupCost
}

/**
 * The cost of a group. `usd` sums the priced records and is null only when no record
 * is priced. `basis` is `unpriced` when no record is priced, `partial` when some are
 * unpriced or partly priced, `included` when subscription-covered records are present
 * and all others are priced, and `recorded` otherwise.
 */
export interface GroupCost {
  readonly usd: number | null
  readonly basis: CostBasis
  readonly unpricedRecords: number
  readonly partialRecords: number
  /** Tokens of records whose usage was fully covered by a subscription. */
  readonly includedTokens: number
  /** Tokens of records partly covered by a subscription and partly billed. */
  readonly partlyIncludedTokens: number
}

export interface SummaryRow extends SpendTotals {
  readonly key: string
  /** Extra text for the row: the workspace title or the project path. */
  readonly label?: string
}

export interface Summary {
  readonly by: GroupBy
  readonly rows: ReadonlyArray<SummaryRow>
  readonly totals: SpendTotals
}

/** Key for records without a provider (`historical`, `unknown`) or without a known project. */
export const NO_PROVIDER = "(none)"
export const NO_PROJECT = "(unknown project)"

/** A running total; `add` is called once per record, so it only adds numbers. */
class Accumulator {
  records = 0
  /**
   * Workspaces are counted by comparing with the previous record's workspace, not kept in
   * a set: the collector emits a ledger's records together, and a set of every workspace
   * id per group would grow with the home.
   */
  workspaces = 0
  private lastWorkspaceId: string | undefined = undefined
  input = 0
  cacheRead = 0
  cacheCreate5m = 0
  cacheCreate1h = 0
  output = 0
  reasoning = 0
  usd = 0
  pricedRecords = 0
  unpricedRecords = 0
  partialRecords = 0
  includedRecords = 0
  includedTokens = 0
  partlyIncludedTokens = 0
  label: string | undefined

  add(record: TurnRecord): void {
    this.records += 1
    if (record.sessionId !== this.lastWorkspaceId) {
      this.workspaces += 1
      this.lastWorkspaceId = record.sessionId
    }
    const usage = record.usage
    this.input += usage.input
    this.cacheRead += usage.cacheRead
    this.cacheCreate5m += usage.cacheCreate5m
    this.cacheCreate1h += usage.cacheCreate1h
    this.output += usage.output
    this.reasoning += usage.reasoning
    const cost = record.cost
    if (cost.usd !== null) {
      this.usd += cost.usd
      this.pricedRecords += 1
    }
    if (cost.basis === "unpriced") this.unpricedRecords += 1
    if (cost.basis === "partial") this.partialRecords += 1
    if (cost.basis === "included") this.includedRecords += 1
    if (cost.subscriptionCovers === "some") this.partlyIncludedTokens += totalTokens(usage)
    if (cost.subscriptionCovers === "all") this.includedTokens += totalTokens(usage)
  }

  totals(): SpendTotals {
    const usage = {
      input: this.input,
      cacheRead: this.cacheRead,
      cacheCreate5m: this.cacheCreate5m,
      cacheCreate1h: this.cacheCreate1h,
      output: this.output,
      reasoning: this.reasoning
    }
    const basis: CostBasis = this.records > 0 && this.pricedRecords === 0
      ? "unpriced"
      : this.unpricedRecords + this.partialRecords > 0
      ? "partial"
      : this.includedRecords > 0
      ? "included"
      : "recorded"
    return {
      records: this.records,
      workspaces: this.workspaces,
      usage,
      totalTokens: totalTokens(usage),
      cost: {
        usd: basis === "unpriced" ? null : this.usd,
        basis,
        unpricedRecords: this.unpricedRecords,
        partialRecords: this.partialRecords,
        includedTokens: this.includedTokens,
        partlyIncludedTokens: this.partlyIncludedTokens
      }
    }
  }
}

/**
 * Folds records into per-group totals and overall totals, one record at a time. A
 * workspace's records must arrive one after another, as `collectEvents` emits them, for
 * the workspace counts to be right.
 */
export class SummaryBuilder {
  private readonly groups = new Map<string, Accumulator>()
  private readonly overall = new Accumulator()

  constructor(private readonly by: GroupBy, private readonly timeZone: string) {}

  add(record: TurnRecord): void {
    this.overall.add(record)
    const key = this.keyOf(record)
    let group = this.groups.get(key)
    if (group === undefined) {
      group = new Accumulator()
      group.label = this.labelOf(record)
      this.groups.set(key, group)
    }
    group.add(record)
  }

  build(): Summary {
    const rows = [...this.groups].map(([key, group]): SummaryRow => {
      const totals = group.totals()
      return group.label === undefined ? { key, ...totals } : { key, label: group.label, ...totals }
    })
    // Days read in date order; every other grouping puts the largest spender first.
    if (this.by === "day") rows.sort((a, b) => compareCodeUnits(a.key, b.key))
    else rows.sort(compareBySpend)
    return { by: this.by, rows, totals: this.overall.totals() }
  }

  private keyOf(record: TurnRecord): string {
    switch (this.by) {
      case "model":
        return record.modelKey
      case "provider":
        return record.provider ?? NO_PROVIDER
      case "workspace":
        return record.sessionId
      case "day":
        return dayOf(Date.parse(record.ts), this.timeZone)
      case "project":
        return record.projectKey ?? NO_PROJECT
    }
  }

  private labelOf(record: TurnRecord): string | undefined {
    if (this.by === "workspace") return record.workspaceTitle ?? record.workspaceName
    if (this.by === "project") return record.project
    return undefined
  }
}

/** Orders rows by cost, then by tokens, largest first, then by key. */
const compareBySpend = (a: SummaryRow, b: SummaryRow): number => {
  const byCost = (b.cost.usd ?? 0) - (a.cost.usd ?? 0)
  if (byCost !== 0) return byCost
  const byTokens = b.totalTokens - a.totalTokens
  if (byTokens !== 0) return byTokens
  return compareCodeUnits(a.key, b.key)
}
