import Table from "cli-table3"
import { strlen } from "cli-table3/src/utils.js"
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

/**
 * Yields a summary as a text table with a totals row, then the notes on costs, in blocks:
 * a page of the table at a time, to be joined with newlines. Every value from the data is
 * escaped.
 */
export function* summaryTableBlocks(summary: Summary): Generator<string> {
  const withLabel = summary.by === "workspace"
  const head = [
    KEY_HEADINGS[summary.by],
    ...(withLabel ? ["Title"] : []),
    "Input",
    "Cache read",
    "Cache write",
    "Output",
    "Reasoning",
    "Total tokens",
    "Cost (USD)"
  ]
  const colAligns: Array<Table.HorizontalAlignment> = [
    "left",
    ...(withLabel ? ["left" as const] : []),
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right"
  ]
  const rows = summary.rows.map((row) => cells(escapeText(row.key), withLabel ? [escapeText(row.label ?? "")] : [], row))
  rows.push(cells("Total", withLabel ? [""] : [], summary.totals))
  yield* tableBlocks(head, colAligns, rows)
  yield costFootnotes(summary.totals).join("\n")
}

/**
 * Rows per cli-table3 table. Its layout step takes time quadratic in the number of rows:
 * 8,000 workspaces took 10 s, and 100,000 did not finish in 10 minutes.
 */
const ROWS_PER_PAGE = 200

/** Style of every table: no colours, and no line between rows. */
const TABLE_STYLE = { head: [], border: [], compact: true }

/**
 * Draws a table with cli-table3, in pages of `rowsPerPage` rows with the column widths of
 * the whole table, and yields each page without the borders where two pages meet. The
 * compact style draws no line between rows, so the pages joined with newlines are the
 * table cli-table3 draws in one piece.
 */
export function* tableBlocks(
  head: ReadonlyArray<string>,
  colAligns: ReadonlyArray<Table.HorizontalAlignment>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  rowsPerPage: number = ROWS_PER_PAGE
): Generator<string> {
  if (rows.length <= rowsPerPage) {
    const table = new Table({ head: [...head], colAligns: [...colAligns], style: TABLE_STYLE })
    table.push(...rows.map((row) => [...row]))
    yield table.toString()
    return
  }

  // cli-table3 makes a column as wide as its widest cell plus one space of padding each side.
  const colWidths = head.map((heading) => strlen(heading) + 2)
  for (const row of rows) {
    for (const [column, cell] of row.entries()) colWidths[column] = Math.max(colWidths[column] ?? 0, strlen(cell) + 2)
  }

  for (let start = 0; start < rows.length; start += rowsPerPage) {
    const isFirst = start === 0
    const isLast = start + rowsPerPage >= rows.length
    const table = new Table({ head: isFirst ? [...head] : [], colAligns: [...colAligns], colWidths, style: TABLE_STYLE })
    table.push(...rows.slice(start, start + rowsPerPage).map((row) => [...row]))
    const pageLines = table.toString().split("\n")
    yield pageLines.slice(isFirst ? 0 : 1, isLast ? pageLines.length : -1).join("\n")
  }
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
    style: TABLE_STYLE
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

