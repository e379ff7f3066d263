import Table from "cli-table3"
import type { AgentSplit } from "./agentSplit.js"
import { escapeText } from "./escape.js"
import { formatGroupCost, formatTokens, formatUsd } from "./format.js"
import type { Summary, SummaryRow, SpendTotals } from "./summarize.js"

const KEY_HEADINGS: Record<Summary["by"], string> = {
  model: "Model key",
  provider: "Provider",
  workspace: "Workspace",
  day: "Day",
  project: "Project"
}

/** Renders a summary as a text table with a totals row; every value from the data is escaped. */
export const renderSummaryTable = (summary: Summary): string => {
  const withLabel = summary.by === "workspace"
  const table = new Table({
    head: [
      KEY_HEADINGS[summary.by],
      ...(withLabel ? ["Title"] : []),
      "Input",
      "Cache read",
      "Cache write",
      "Output",
      "Reasoning",
      "Total tokens",
      "Cost (USD)"
    ],
    colAligns: ["left", ...(withLabel ? ["left" as const] : []), "right", "right", "right", "right", "right", "right", "right"],
    style: { head: [], border: [], compact: true }
  })
  for (const row of summary.rows) table.push(cells(escapeText(row.key), withLabel ? [escapeText(row.label ?? "")] : [], row))
  table.push(cells("Total", withLabel ? [""] : [], summary.totals))
  return `${table.toString()}\n${costFootnotes(summary.totals).join("\n")}`
}

const cells = (key: string, label: Array<string>, totals: SpendTotals): Array<string> => [
  key,
  ...label,
  formatTokens(totals.usage.input),
  formatTokens(totals.usage.cacheRead),
  formatTokens(totals.usage.cacheCreate5m + totals.usage.cacheCreate1h),
  formatTokens(totals.usage.output),
  formatTokens(totals.usage.reasoning),
  formatTokens(totals.totalTokens),
  formatGroupCost(totals.cost)
]

/** Explains the cost markers that appear in the table. */
const costFootnotes = (totals: SpendTotals): Array<string> => {
  const notes: Array<string> = []
  const { cost } = totals
  if (cost.unpricedRecords > 0 || cost.partialRecords > 0) {
    notes.push(
      `Costs marked "partial" are lower bounds: ${cost.unpricedRecords} model entries had no known price and ${cost.partialRecords} were only partly priced by Mux. "unpriced" means no price was known, not free.`
    )
  }
  if (cost.includedTokens > 0 || cost.partlyIncludedTokens > 0) {
    const partly = cost.partlyIncludedTokens > 0
      ? `, and part of ${formatTokens(cost.partlyIncludedTokens)} more`
      : ""
    notes.push(
      `"included": ${formatTokens(cost.includedTokens)} tokens${partly} were covered by a subscription; the cost shown is what was billed outside it.`
    )
  }
  notes.push("Output excludes reasoning; the buckets are disjoint and add up to the total.")
  return notes
}

/** Renders `summary --by agent`. */
export const renderAgentTable = (split: AgentSplit): string => {
  const table = new Table({
    head: ["Agent", "Workspaces", "Total tokens", "Cost (USD)", "Source"],
    colAligns: ["left", "right", "right", "right", "left"],
    style: { head: [], border: [], compact: true }
  })
  for (const row of split.rows) {
    const cost = row.usd === null ? "unpriced" : `${formatUsd(row.usd)}${row.costIncomplete ? " partial" : ""}`
    const sources = [
      row.sources.ledger > 0 ? `${row.sources.ledger} ledgers` : undefined,
      row.sources["set-aside-ledger"] > 0 ? `${row.sources["set-aside-ledger"]} set-aside child ledgers` : undefined,
      row.sources["roll-up-entry"] > 0 ? `${row.sources["roll-up-entry"]} roll-up entry totals` : undefined
    ].filter((part) => part !== undefined)
    table.push([escapeText(row.agent), String(row.workspaces), formatTokens(row.totalTokens), cost, sources.join(", ")])
  }
  const { totals } = split
  const totalCost = totals.usd === null ? "unpriced" : `${formatUsd(totals.usd)}${totals.costIncomplete ? " partial" : ""}`
  table.push(["Total", "", formatTokens(totals.totalTokens), totalCost, ""])
  const notes = [
    "Own work is each workspace's ledger minus the sub-agents rolled up into it. Figures from roll-up entries are the totals Mux stored when it merged a removed sub-agent, not a ledger."
  ]
  if (split.rollUpsWithoutTotals > 0) {
    notes.push(`${split.rollUpsWithoutTotals} roll-ups from older Mux versions have no totals, so their usage stays in the parent's row.`)
  }
  return `${table.toString()}\n${notes.join("\n")}`
}

