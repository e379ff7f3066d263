import type { FilterStats } from "../cli/runCollection.js"
import { escapeText } from "./escape.js"
import { describeAnomaly, type RunReport } from "./RunReport.js"

/** Errors listed on stderr before pointing to `check` for the rest. */
const ERRORS_SHOWN = 3

/**
 * Lines for stderr after `records` or `summary`: how many files had errors (with the
 * first few and a pointer to `check`), what was set aside and why, roll-up anomalies,
 * and the note on date filters. Every line is escaped for the terminal.
 */
export const runNotices = (
  report: RunReport,
  filter: FilterStats,
  options: { readonly byDay?: boolean; readonly project?: string } = {}
): Array<string> => {
  const lines: Array<string> = []
  const fileErrors = report.errors.filter((error) => error._tag !== "ModelEntryInvalid")
  const entryErrors = report.errors.length - fileErrors.length

  if (report.errors.length > 0) {
    const parts: Array<string> = []
    if (report.ledgersFailed > 0) parts.push(`${report.ledgersFailed} ledgers could not be used`)
    if (entryErrors > 0) parts.push(`${entryErrors} invalid model entries were skipped in ${report.ledgersWithInvalidEntries} ledgers`)
    const homeProblems = fileErrors.length - report.ledgersFailed
    if (homeProblems > 0) parts.push(`${homeProblems} problems with config.json or sessions/`)
    lines.push(`warning: ${parts.join("; ")}. Good ledgers still count. First errors:`)
    for (const error of report.errors.slice(0, ERRORS_SHOWN)) lines.push(`  ${error.code}: ${error.message}`)
    if (report.errors.length > ERRORS_SHOWN) lines.push(`  ... and ${report.errors.length - ERRORS_SHOWN} more`)
    lines.push("Run `mux-collector check` with the same options to list every error.")
  }

  const rolledUp = report.setAside.flatMap((event) =>
    event.reason.kind === "rolled-up" ? [`${event.folder.workspaceId} under ${event.reason.parentWorkspaceId}`] : []
  )
  const copies = report.setAside.length - rolledUp.length
  if (rolledUp.length > 0) {
    const named = rolledUp.slice(0, ERRORS_SHOWN).join(", ")
    const more = rolledUp.length > ERRORS_SHOWN ? ` and ${rolledUp.length - ERRORS_SHOWN} more` : ""
    lines.push(
      `note: ${rolledUp.length} sub-agent ledgers were set aside because their parent's ledger already contains their usage: ${named}${more}. \`check\` lists them all.`
    )
  }
  if (copies > 0) {
    lines.push(`note: ${copies} ledgers were set aside as copies of a workspace counted elsewhere; \`check\` names them.`)
  }
  for (const anomaly of report.anomalies) lines.push(`warning: ${describeAnomaly(anomaly)}`)

  if (filter.active) {
    const byFileTime = filter.keptByFileTime > 0
      ? ` (${filter.keptByFileTime} of them by the ledger file's modification time, because the last request time was missing)`
      : ""
    lines.push(
      `note: the date filter kept ${filter.workspacesKept} workspaces and dropped ${filter.workspacesDropped}. Mux keeps one running total per model per workspace, so each workspace is dated by its last request${byFileTime} and its totals may include earlier usage.`
    )
  } else if (options.byDay === true) {
    const byFileTime = filter.keptByFileTime > 0
      ? ` ${filter.keptByFileTime} of them have no last request time and are dated by their ledger file's modification time.`
      : ""
    lines.push(
      `note: each workspace's whole total is shown on the day of its last request, because Mux keeps one running total per model per workspace.${byFileTime}`
    )
  }
  if (filter.projectMatches === 0) {
    lines.push(
      `note: no workspace belongs to project ${options.project ?? "(given)"}. \`summary --by project\` lists the project paths config.json contains.`
    )
  }
  if (filter.archivedDropped > 0) lines.push(`note: ${filter.archivedDropped} archived workspaces were left out.`)
  return lines.map(escapeText)
}
