import type {
  ConfigUnusable,
  ConfigWorkspaceInvalid,
  LedgerError,
  SessionsUnreadable
} from "../domain/errors.js"
import type { CollectorEvent, HomeOpened, LedgerSetAside, RollUpAnomaly, WorkspaceNeverUsed } from "../domain/Outcome.js"
import type { WorkspaceFolder } from "../domain/Workspace.js"

/** Every typed error a run can report, per file or per home. */
export type ReportedError = LedgerError | ConfigUnusable | ConfigWorkspaceInvalid | SessionsUnreadable

/** One line of `check`: what happened to one workspace folder. */
export interface LedgerStatus {
  readonly home: string
  readonly workspaceId: string
  readonly path: string
  readonly status: "ok" | "error" | "set-aside" | "skipped"
  /** Records the ledger gave (counted or set aside). */
  readonly records: number
  /** Stable codes of the errors on this ledger, file-level or per entry. */
  readonly codes: ReadonlyArray<string>
  readonly note?: string
}

/**
 * Collects what a run reports besides records: homes, errors, set-aside ledgers,
 * never-used workspaces and roll-up anomalies. Per-ledger statuses are kept only when
 * asked for (`check`), so `records` and `summary` hold errors, not one entry per ledger.
 */
export class RunReport {
  readonly homes: Array<HomeOpened> = []
  readonly errors: Array<ReportedError> = []
  readonly setAside: Array<LedgerSetAside> = []
  readonly neverUsed: Array<WorkspaceNeverUsed> = []
  readonly anomalies: Array<RollUpAnomaly> = []
  readonly statuses: Array<LedgerStatus> = []
  ledgersCounted = 0
  ledgersFailed = 0
  ledgersWithInvalidEntries = 0
  foldersSkipped = 0
  relationships = 0

  constructor(private readonly keepStatuses: boolean) {}

  add(event: CollectorEvent): void {
    switch (event._tag) {
      case "HomeOpened":
        this.homes.push(event)
        this.errors.push(...event.problems)
        return
      case "LedgerCounted":
        this.ledgersCounted += 1
        if (event.invalidEntries.length > 0) this.ledgersWithInvalidEntries += 1
        this.errors.push(...event.invalidEntries)
        this.status(event.folder, {
          status: event.invalidEntries.length > 0 ? "error" : "ok",
          records: event.records.length,
          codes: event.invalidEntries.map((error) => error.code),
          ...(event.invalidEntries.length > 0
            ? { note: `${event.invalidEntries.length} invalid model entries skipped, the others counted` }
            : {})
        })
        return
      case "LedgerSetAside":
        this.setAside.push(event)
        this.errors.push(...event.invalidEntries)
        this.status(event.folder, {
          status: "set-aside",
          records: event.records.length,
          codes: event.invalidEntries.map((error) => error.code),
          note: describeSetAside(event)
        })
        return
      case "LedgerFailed":
        this.ledgersFailed += 1
        this.errors.push(event.error)
        this.status(event.folder, { status: "error", records: 0, codes: [event.error.code], note: event.error.message })
        return
      case "FolderSkipped":
        this.foldersSkipped += 1
        this.status(
          event.folder,
          { status: "skipped", records: 0, codes: [], note: "an entry of sessions/ that is not a workspace folder" },
          event.folder.folderPath
        )
        return
      case "WorkspaceNeverUsed":
        this.neverUsed.push(event)
        return
      case "RollUpAnomaly":
        this.anomalies.push(event)
        return
      case "RelationshipFound":
        this.relationships += 1
        return
    }
  }


  /** Records one status line; `path` is the ledger's, or the entry's own path when it is not a folder. */
  private status(
    folder: WorkspaceFolder,
    status: Omit<LedgerStatus, "home" | "workspaceId" | "path">,
    path: string = folder.ledgerPath
  ): void {
    if (!this.keepStatuses) return
    this.statuses.push({ home: folder.home, workspaceId: folder.workspaceId, path, ...status })
  }
}

/** Explains in one phrase why a ledger does not count. */
export const describeSetAside = (event: LedgerSetAside): string => {
  const reason = event.reason
  switch (reason.kind) {
    case "rolled-up":
      return `rolled up into workspace ${reason.parentWorkspaceId}, whose ledger ${reason.parentLedgerPath} already contains this usage`
    case "duplicate-workspace":
      return `a copy of the same workspace in another home; the copy at ${reason.keptLedgerPath} is counted because its last request is later or its total larger`
    case "same-file":
      return `the same file as ${reason.keptLedgerPath}, reached through a symbolic or hard link`
  }
}

/** Explains a roll-up anomaly in one sentence. */
export const describeAnomaly = (anomaly: RollUpAnomaly): string => {
  const parents = anomaly.parentWorkspaceIds.join(", ")
  switch (anomaly.kind) {
    case "cycle":
      return `workspace ${anomaly.workspaceId} is part of a roll-up cycle (claimed by ${parents}); its own ledger ${anomaly.ledgerPath} is counted once, so usage in the cycle may be counted twice`
    case "several-parents":
      return `workspace ${anomaly.workspaceId} is claimed as rolled up by several parents (${parents}); its own ledger ${anomaly.ledgerPath} is counted once, and each parent also contains its usage`
    case "claimed-after-counting":
      return `workspace ${anomaly.workspaceId} is listed in config.json as a top-level workspace but ${parents} claims to contain its usage; its ledger ${anomaly.ledgerPath} is counted, so that usage may be counted twice`
    case "self-claim":
      return `ledger ${anomaly.ledgerPath} names its own workspace ${anomaly.workspaceId} in rolledUpFrom; that entry is ignored and the ledger is counted once`
  }
}
