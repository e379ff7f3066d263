/**
 * Tests of the paged table drawing: cli-table3 lays out a table in time quadratic in its
 * rows, so long tables are drawn in pages and joined. The joined text must be the table
 * cli-table3 draws in one piece.
 */
import { describe, expect, it } from "@effect/vitest"
import type Table from "cli-table3"
import { tableBlocks } from "../src/report/summaryTable.js"

const head = ["Workspace", "Title", "Total tokens", "Cost (USD)"]
const aligns: Array<Table.HorizontalAlignment> = ["left", "left", "right", "right"]
const titles = ["fix cart", "\u4e2d\u6587\u6807\u9898", "emoji \u{1f600} title", "", "a much longer title than the others"]

const renderTable = (
  head: ReadonlyArray<string>,
  aligns: ReadonlyArray<Table.HorizontalAlignment>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  rowsPerPage: number
): string => [...tableBlocks(head, aligns, rows, rowsPerPage)].join("\n")

const rowsOf = (count: number): Array<Array<string>> =>
  Array.from({ length: count }, (_, index) => [
    `ws${String(index).padStart(6, "0")}`,
    titles[index % titles.length] as string,
    (index * 7919).toLocaleString("en-US"),
    `$${(index / 7).toFixed(2)}`
  ])

describe("tableBlocks", () => {
  for (const [count, rowsPerPage] of [[1, 1], [10, 3], [401, 200], [1000, 200], [1000, 999]] as const) {
    it(`joins ${count} rows in pages of ${rowsPerPage}`, () => {
      const rows = rowsOf(count)

      expect(renderTable(head, aligns, rows, rowsPerPage)).toBe(renderTable(head, aligns, rows, Number.MAX_SAFE_INTEGER))
    })
  }

  it("draws one header and one bottom border", () => {
    const lines = renderTable(head, aligns, rowsOf(450), 100).split("\n")

    expect(lines).toHaveLength(450 + 4)
    expect(lines.filter((line) => line.startsWith("\u250c"))).toHaveLength(1)
    expect(lines.filter((line) => line.startsWith("\u2514"))).toHaveLength(1)
  })
})
