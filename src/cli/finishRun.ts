import { Effect } from "effect"
import { runNotices } from "../report/notices.js"
import type { Collection } from "./runCollection.js"
import { writeStderr } from "./output.js"

/** Exit status when `--strict` is set and the run reported errors. */
export const EXIT_STRICT_ERRORS = 1

/**
 * Prints the run's notices to stderr and sets the exit status: 0, or 1 under `--strict`
 * when any ledger or `config.json` had an error.
 */
export const finishRun = (
  collection: Collection,
  strict: boolean,
  options: { readonly byDay?: boolean; readonly project?: string } = {}
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const notices = runNotices(collection.report, collection.filter, options)
    if (notices.length > 0) yield* writeStderr(`${notices.join("\n")}\n`)
    if (strict && collection.report.errors.length > 0) process.exitCode = EXIT_STRICT_ERRORS
  })
