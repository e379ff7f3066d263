import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { Either, Stream } from "effect"
import type { HomeNotFound, NoHomeFound } from "../domain/errors.js"
import type { CollectorEvent } from "../domain/Outcome.js"
import type { TurnRecord } from "../domain/TurnRecord.js"
import type { ReportedError } from "../report/RunReport.js"
import { collectEvents, type CollectOptions } from "./collectEvents.js"

/** A counted record, or a typed error about one file. */
export type RecordOrError = Either.Either<TurnRecord, ReportedError>

/**
 * Streams the records that count and every typed error beside them, for programs that
 * want only those: set-aside ledgers, never-used workspaces and relationships are left
 * out (use `collectEvents` for them).
 */
export const collectRecords = (
  options: CollectOptions = {}
): Stream.Stream<RecordOrError, HomeNotFound | NoHomeFound, FileSystem.FileSystem | Path.Path> =>
  collectEvents(options).pipe(Stream.mapConcat(toRecordsAndErrors))

const toRecordsAndErrors = (event: CollectorEvent): Array<RecordOrError> => {
  switch (event._tag) {
    case "HomeOpened":
      return event.problems.map((problem) => Either.left(problem))
    case "LedgerCounted":
      return [
        ...event.records.map((record) => Either.right(record)),
        ...event.invalidEntries.map((error) => Either.left(error))
      ]
    case "LedgerSetAside":
      return event.invalidEntries.map((error) => Either.left(error))
    case "LedgerFailed":
      return [Either.left(event.error)]
    default:
      return []
  }
}
