import { compareCodeUnits } from "../domain/compareCodeUnits.js"
import { escapeText, toSafeJson } from "./escape.js"
import { countOf } from "./format.js"
import { describeAnomaly, type LedgerStatus, type ReportedError, type RunReport } from "./RunReport.js"

const STATUS_WIDTH = 10

/**
 * Renders `check` as text, one section per home. A section names the paths that resolved
 * to the home, then lists one line per ledger with its status (set-aside ledgers with the
 * reason), the workspaces never used, and every typed error with its path and reason.
 * Roll-up anomalies and the counts of the whole run come last.
 */
export const renderCheckText = (report: RunReport): string => {
  const lines: Array<string> = []
  for (const opened of report.homes) {
    const home = opened.home.path
    const others = opened.home.aliases.filter((alias) => alias !== home)
    lines.push(`home ${home}${others.length > 0 ? ` (also reached as ${others.join(", ")}, which resolve to it)` : ""}`)
    lines.push(`  ${opened.workspaceFolders} workspace folders; config.json ${opened.configAvailable ? "read" : "not usable"}`)

    const statuses = report.statuses.filter((status) => status.home === home)
    statuses.sort((a, b) => compareCodeUnits(a.path, b.path))
    for (const status of statuses) lines.push(statusLine(status))

    for (const event of report.neverUsed.filter((event) => event.home === home)) {
      lines.push(`${"never used".padEnd(STATUS_WIDTH)} ${event.workspace.id} in ${home}: listed in config.json, no session folder`)
    }

    const errors = report.errors.filter((error) => homeOf(error, report) === home)
    if (errors.length > 0) {
      lines.push("errors:")
      for (const error of errors) lines.push(`  ${error.code}: ${error.message}`)
    }
    lines.push("")
  }
  for (const anomaly of report.anomalies) lines.push(`warning: ${describeAnomaly(anomaly)}`)
  lines.push(countsLine(report))
  return lines.map(escapeText).join("\n")
}

/** Finds the home an error belongs to: config and sessions errors name it, and a ledger's path starts with it. */
const homeOf = (error: ReportedError, report: RunReport): string | undefined => {
  if ("home" in error) return error.home
  return report.homes.find((opened) => error.path.startsWith(`${opened.home.path}/`))?.home.path
}

const statusLine = (status: LedgerStatus): string => {
  const label = status.status === "set-aside" ? "set aside" : status.status
  const detail = status.status === "ok"
    ? countOf(status.records, "record")
    : status.status === "error" && status.records > 0
    ? `${countOf(status.records, "record")} counted; ${status.note ?? ""} (${status.codes.join(", ")})`
    : status.status === "error"
    ? `${status.codes.join(", ")}, nothing counted (the reason is under errors below)`
    : status.note ?? ""
  return `${label.padEnd(STATUS_WIDTH)} ${status.path}: ${detail}`
}

const countsLine = (report: RunReport): string => {
  const rolledUp = report.setAside.filter((event) => event.reason.kind === "rolled-up").length
  return [
    countOf(report.homes.length, "home"),
    `${countOf(report.ledgersCounted, "ledger")} counted`,
    `${report.ledgersFailed} failed`,
    `${report.ledgersWithInvalidEntries} with invalid entries`,
    `${report.setAside.length} set aside (${rolledUp} rolled up, ${report.setAside.length - rolledUp} copies)`,
    `${report.foldersSkipped} skipped`,
    `${report.neverUsed.length} never used`,
    `${report.errors.length} errors`
  ].join(", ")
}

/** `check --json`: the same content, with a stable `code` per error type for scripts. */
export const renderCheckJson = (report: RunReport): string =>
  toSafeJson(
    {
      homes: report.homes.map((opened) => ({
        path: opened.home.path,
        aliases: opened.home.aliases,
        workspaceFolders: opened.workspaceFolders,
        configAvailable: opened.configAvailable
      })),
      ledgers: report.statuses,
      setAside: report.setAside.map((event) => ({
        workspaceId: event.folder.workspaceId,
        path: event.folder.ledgerPath,
        ...event.reason
      })),
      neverUsed: report.neverUsed.map((event) => ({ home: event.home, workspaceId: event.workspace.id })),
      anomalies: report.anomalies.map((anomaly) => ({ ...anomaly, message: describeAnomaly(anomaly) })),
      errors: report.errors.map((error) => {
        const { _tag, code, ...fields } = error
        return { code, ...fields, message: error.message }
      }),
      counts: {
        homes: report.homes.length,
        ledgersCounted: report.ledgersCounted,
        ledgersFailed: report.ledgersFailed,
        ledgersWithInvalidEntries: report.ledgersWithInvalidEntries,
        setAside: report.setAside.length,
        skipped: report.foldersSkipped,
        neverUsed: report.neverUsed.length,
        errors: report.errors.length
      }
    },
    2
  )

