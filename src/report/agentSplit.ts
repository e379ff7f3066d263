import type { RollUpEntry } from "../domain/Ledger.js"
import type { LedgerCounted, LedgerSetAside } from "../domain/Outcome.js"
import { totalTokens, type TurnRecord } from "../domain/TurnRecord.js"

/** Source of an agent row's figures. */
export type AgentFigureSource = "ledger" | "set-aside-ledger" | "roll-up-entry"

export interface AgentRow {
  /** `own work` for top-level workspaces, otherwise the sub-agent preset (`explore`, `exec`, ...). */
  readonly agent: string
  readonly workspaces: number
  readonly totalTokens: number
  /** Null when none of the row's figures had a price. */
  readonly usd: number | null
  /** True when some figure in the row had no price or only a partial one. */
  readonly costIncomplete: boolean
  /** How many figures came from each source. */
  readonly sources: Readonly<Record<AgentFigureSource, number>>
}

export interface AgentSplit {
  readonly rows: ReadonlyArray<AgentRow>
  /** Sum of the rows: the same tokens and cost as `summary` by any other grouping. */
  readonly totals: { readonly totalTokens: number; readonly usd: number | null; readonly costIncomplete: boolean }
  /** Roll-ups written as `true` by older Mux: no totals, so their usage stays in the parent's row. */
  readonly rollUpsWithoutTotals: number
}

export const OWN_WORK = "own work"
const UNKNOWN_AGENT = "sub-agent (type unknown)"

interface Figures {
  tokens: number
  usd: number
  priced: number
  unpriced: number
}

class AgentAccumulator {
  readonly workspaces = new Set<string>()
  readonly figures: Figures = { tokens: 0, usd: 0, priced: 0, unpriced: 0 }
  readonly sources: Record<AgentFigureSource, number> = { ledger: 0, "set-aside-ledger": 0, "roll-up-entry": 0 }
}

interface SetAsideChild {
  readonly parentId: string
  readonly records: ReadonlyArray<TurnRecord>
  readonly agentType: string | undefined
  readonly rolledUpFrom: LedgerSetAside["rolledUpFrom"]
}

interface PendingRollUp {
  readonly parentAgent: string
  readonly childId: string
  readonly entry: RollUpEntry
}

/**
 * Splits spend between workspaces' own work and their sub-agents. A parent's ledger
 * contains its rolled-up children's usage, so each child's figures are moved from the
 * parent's row to the child's agent row. They come from the child's own ledger when it
 * is still on disk (set aside as rolled up). Otherwise they come from the `rolledUpFrom`
 * entry's `totalTokens` and `totalCostUsd`. A set-aside grandchild's records move on out of
 * its set-aside parent's row in the same way. Children that were never rolled up are
 * counted from their own ledgers.
 */
export class AgentSplitBuilder {
  private readonly rows = new Map<string, AgentAccumulator>()
  private readonly pending: Array<PendingRollUp> = []
  private readonly setAsideChildren = new Map<string, SetAsideChild>()

  /** Adds a counted ledger whose records passed the run's filters. */
  addCounted(event: LedgerCounted, records: ReadonlyArray<TurnRecord>): void {
    const agent = agentOf(event.workspace?.parentWorkspaceId, event.workspace?.agentType)
    const row = this.row(agent)
    row.workspaces.add(event.folder.workspaceId)
    row.sources.ledger += 1
    addRecords(row.figures, records, 1)
    for (const [childId, entry] of event.rolledUpFrom) {
      this.pending.push({ parentAgent: agent, childId, entry })
    }
  }

  /** Adds a ledger set aside as rolled up: its figures are the best source for the child's share. */
  addSetAside(event: LedgerSetAside): void {
    if (event.reason.kind !== "rolled-up") return
    this.setAsideChildren.set(event.folder.workspaceId, {
      parentId: event.reason.parentWorkspaceId,
      records: event.records,
      agentType: event.workspace?.agentType,
      rolledUpFrom: event.rolledUpFrom
    })
  }

  build(): AgentSplit {
    let rollUpsWithoutTotals = 0
    const childrenByParent = new Map<string, Array<string>>()
    for (const [childId, child] of this.setAsideChildren) {
      childrenByParent.set(child.parentId, [...(childrenByParent.get(child.parentId) ?? []), childId])
    }
    const moved = new Set<string>()
    /** Moves a set-aside child's records out of its parent's row, then its own set-aside children out of its row. */
    const moveSetAside = (childId: string, agent: string, parent: AgentAccumulator): void => {
      const onDisk = this.setAsideChildren.get(childId)
      if (onDisk === undefined || moved.has(childId)) return
      moved.add(childId)
      const child = this.row(agent)
      child.workspaces.add(childId)
      child.sources["set-aside-ledger"] += 1
      addRecords(child.figures, onDisk.records, 1)
      addRecords(parent.figures, onDisk.records, -1)
      for (const grandchildId of childrenByParent.get(childId) ?? []) {
        moveSetAside(grandchildId, this.setAsideChildren.get(grandchildId)?.agentType ?? UNKNOWN_AGENT, child)
      }
      // Grandchildren whose folders are gone are known only from this child's roll-up entries.
      for (const [grandchildId, entry] of onDisk.rolledUpFrom) {
        if (this.setAsideChildren.has(grandchildId)) continue
        moveEntry(grandchildId, entry, child)
      }
    }
    /** Moves a removed child's roll-up entry totals out of its parent's row. */
    const moveEntry = (childId: string, entry: RollUpEntry, parent: AgentAccumulator): void => {
      if (entry === true || entry.totalTokens === undefined) {
        rollUpsWithoutTotals += 1
        return
      }
      const child = this.row(entry.agentType ?? UNKNOWN_AGENT)
      child.workspaces.add(childId)
      child.sources["roll-up-entry"] += 1
      addEntry(child.figures, entry, 1)
      addEntry(parent.figures, entry, -1)
    }

    for (const { childId, entry, parentAgent } of this.pending) {
      const parent = this.row(parentAgent)
      const onDisk = this.setAsideChildren.get(childId)
      if (onDisk !== undefined) {
        // A left-over child is often gone from config.json, but the roll-up entry still names its preset.
        moveSetAside(childId, onDisk.agentType ?? (entry === true ? undefined : entry.agentType) ?? UNKNOWN_AGENT, parent)
        continue
      }
      moveEntry(childId, entry, parent)
    }

    const rows = [...this.rows].map(([agent, row]): AgentRow => ({
      agent,
      workspaces: row.workspaces.size,
      totalTokens: row.figures.tokens,
      usd: row.figures.priced === 0 && row.figures.unpriced > 0 ? null : row.figures.usd,
      costIncomplete: row.figures.unpriced > 0,
      sources: row.sources
    }))
    rows.sort(compareAgentRows)
    const priced = rows.filter((agentRow) => agentRow.usd !== null)
    const totals = {
      totalTokens: rows.reduce((sum, agentRow) => sum + agentRow.totalTokens, 0),
      usd: priced.length === 0 && rows.length > 0 ? null : priced.reduce((sum, agentRow) => sum + (agentRow.usd ?? 0), 0),
      costIncomplete: rows.some((agentRow) => agentRow.costIncomplete)
    }
    return { rows, totals, rollUpsWithoutTotals }
  }

  private row(agent: string): AgentAccumulator {
    let row = this.rows.get(agent)
    if (row === undefined) {
      row = new AgentAccumulator()
      this.rows.set(agent, row)
    }
    return row
  }
}

const agentOf = (parentWorkspaceId: string | undefined, agentType: string | undefined): string =>
  parentWorkspaceId === undefined ? OWN_WORK : agentType ?? UNKNOWN_AGENT

const addRecords = (figures: Figures, records: ReadonlyArray<TurnRecord>, sign: 1 | -1): void => {
  for (const record of records) {
    figures.tokens += sign * totalTokens(record.usage)
    if (record.cost.usd !== null) {
      figures.usd += sign * record.cost.usd
      if (sign > 0) figures.priced += 1
    }
    if (sign > 0 && (record.cost.basis === "unpriced" || record.cost.basis === "partial")) figures.unpriced += 1
  }
}

const addEntry = (figures: Figures, entry: Exclude<RollUpEntry, true>, sign: 1 | -1): void => {
  figures.tokens += sign * (entry.totalTokens ?? 0)
  if (entry.totalCostUsd !== undefined) {
    figures.usd += sign * entry.totalCostUsd
    if (sign > 0) figures.priced += 1
  } else if (sign > 0) {
    figures.unpriced += 1
  }
}

/** Orders own work first, then sub-agent rows by tokens, largest first. */
const compareAgentRows = (a: AgentRow, b: AgentRow): number => {
  if (a.agent === OWN_WORK) return -1
  if (b.agent === OWN_WORK) return 1
  return b.totalTokens - a.totalTokens
}
