import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { Effect } from "effect"
import { collectEvents } from "../collect/collectEvents.js"
import { forEachChunk } from "../collect/forEachChunk.js"
import { letEventLoopRun } from "./eventLoop.js"
import type { HomeNotFound, NoHomeFound } from "../domain/errors.js"
import type { CollectorEvent, LedgerCounted } from "../domain/Outcome.js"
import type { TurnRecord } from "../domain/TurnRecord.js"
import { RunReport } from "../report/RunReport.js"
import { isActive, isInside } from "../report/timeFilter.js"
import type { RunSettings } from "./settings.js"

/** How many workspaces the filters kept, and how they were dated. */
export interface FilterStats {
  /** Whether a date filter (`--since`, `--until`) was given. */
  readonly active: boolean
  readonly workspacesKept: number
  /** Workspaces kept and dated by their ledger's modification time, for lack of a last request. */
  readonly keptByFileTime: number
  readonly workspacesDropped: number
  /** With `--project`: how many workspaces belong to it. */
  readonly projectMatches: number | undefined
  /** With `--exclude-archived`: how many archived workspaces were left out. */
  readonly archivedDropped: number
}

export interface Collection {
  readonly report: RunReport
  readonly filter: FilterStats
}

export interface CollectionHandlers {
  /** Keep one status per ledger in the report (for `check`). */
  readonly keepStatuses?: boolean
  /** Receives the records that pass the filters, a stream chunk at a time. */
  readonly onRecords?: (records: Array<TurnRecord>) => Effect.Effect<void>
  /** Receives every event, with the records of a counted ledger that passed the filters. */
  readonly onEvent?: (event: CollectorEvent, keptRecords: ReadonlyArray<TurnRecord>) => void
}

/**
 * Runs the collector with a command's settings and feeds the handlers. The project,
 * archive and date filters apply to each counted ledger as a whole, because every record
 * of a ledger has the same date. Returns what the run reports besides records.
 */
export const runCollection = (
  settings: RunSettings,
  handlers: CollectionHandlers = {}
): Effect.Effect<Collection, HomeNotFound | NoHomeFound, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const report = new RunReport(handlers.keepStatuses ?? false)
    const dateFilterActive = isActive(settings.timeFilter)
    let workspacesKept = 0
    let keptByFileTime = 0
    let workspacesDropped = 0
    let projectMatches = 0
    let archivedDropped = 0

    const keep = (event: LedgerCounted): ReadonlyArray<TurnRecord> => {
      const [first] = event.records
      if (first === undefined) return event.records
      if (settings.projectKey !== undefined && event.workspace?.projectKey !== settings.projectKey) return []
      if (settings.projectKey !== undefined) projectMatches += 1
      if (settings.excludeArchived && event.workspace?.archived === true) {
        archivedDropped += 1
        return []
      }
      if (dateFilterActive) {
        if (!isInside(Date.parse(first.ts), settings.timeFilter)) {
          workspacesDropped += 1
          return []
        }
        workspacesKept += 1
      }
      if (first.tsSource !== "last-request") keptByFileTime += 1
      return event.records
    }

    yield* forEachChunk(
      collectEvents({ roots: settings.roots, maxLedgerBytes: settings.maxLedgerBytes }),
      (chunk) => {
        const keptRecords: Array<TurnRecord> = []
        for (const event of chunk) {
          report.add(event)
          const records = event._tag === "LedgerCounted" ? keep(event) : []
          handlers.onEvent?.(event, records)
          for (const record of records) keptRecords.push(record)
        }
        if (handlers.onRecords === undefined || keptRecords.length === 0) return letEventLoopRun
        return Effect.zipRight(handlers.onRecords(keptRecords), letEventLoopRun)
      }
    )

    return {
      report,
      filter: {
        active: dateFilterActive,
        workspacesKept,
        keptByFileTime,
        workspacesDropped,
        projectMatches: settings.projectKey === undefined ? undefined : projectMatches,
        archivedDropped
      }
    }
  })
