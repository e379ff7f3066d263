import { Options } from "@effect/cli"
import * as Path from "@effect/platform/Path"
import { Clock, Effect, Either, Option } from "effect"
import { DEFAULT_MAX_LEDGER_BYTES } from "../read/readLedger.js"
import { normalizeProjectPath } from "../read/readConfig.js"
import { parseTimeBound, type TimeFilter, validateTimeZone } from "../report/timeFilter.js"

/** A command-line value that is invalid; the run stops before reading anything. */
export class UsageError {
  readonly _tag = "UsageError"
  constructor(readonly message: string) {}
}

/** Options every command takes. */
export const commonOptions = {
  root: Options.text("root").pipe(
    Options.withDescription(
      "Mux home to read: the folder that contains sessions/ and config.json (repeatable). Without it, every home found among $XUM_ROOT, $MUX_ROOT, ~/.xum, ~/.mux and ~/.cmux is read"
    ),
    Options.repeated
  ),
  since: Options.text("since").pipe(
    Options.withDescription("Keep workspaces whose last request is on or after this date (YYYY-MM-DD) or within this duration (7d, 24h, 30m, 2w)"),
    Options.optional
  ),
  until: Options.text("until").pipe(
    Options.withDescription("Keep workspaces whose last request is on or before this date (the whole day) or before this duration ago"),
    Options.optional
  ),
  timezone: Options.text("timezone").pipe(
    Options.withDescription("IANA time zone for day boundaries (default: the local zone)"),
    Options.optional
  ),
  project: Options.text("project").pipe(
    Options.withDescription("Keep only workspaces of this project path, as listed in config.json"),
    Options.optional
  ),
  excludeArchived: Options.boolean("exclude-archived").pipe(
    Options.withDescription("Leave out workspaces archived in Mux (they count by default)")
  ),
  json: Options.boolean("json").pipe(Options.withDescription("Print JSON instead of text")),
  strict: Options.boolean("strict").pipe(
    Options.withDescription("Exit with status 1 when any ledger or config.json has an error")
  ),
  // Text, checked in toRunSettings: @effect/cli's integer accepts 1e3 and 0x100, and
  // words its errors in its own format.
  maxLedgerBytes: Options.text("max-ledger-bytes").pipe(
    Options.withDescription(`Report and skip ledgers larger than this many bytes (default ${DEFAULT_MAX_LEDGER_BYTES})`),
    Options.withDefault(String(DEFAULT_MAX_LEDGER_BYTES))
  )
}

export interface CommonOptionValues {
  readonly root: ReadonlyArray<string>
  readonly since: Option.Option<string>
  readonly until: Option.Option<string>
  readonly timezone: Option.Option<string>
  readonly project: Option.Option<string>
  readonly excludeArchived: boolean
  readonly json: boolean
  readonly strict: boolean
  readonly maxLedgerBytes: string
}

/** Checked settings of a run. */
export interface RunSettings {
  readonly roots: ReadonlyArray<string>
  readonly timeFilter: TimeFilter
  readonly projectKey: string | undefined
  readonly excludeArchived: boolean
  readonly json: boolean
  readonly strict: boolean
  readonly maxLedgerBytes: number
}

/** Validates the common options; a value that does not parse is an error, never ignored. */
export const toRunSettings = (values: CommonOptionValues): Effect.Effect<RunSettings, UsageError, Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const nowMs = yield* Clock.currentTimeMillis
    // Only a zone the user typed can be wrong: an unusable local zone (TZ set to an empty or
    // unknown value) falls back to UTC, which is what Node itself does for dates.
    const timeZone = Option.match(values.timezone, {
      onNone: () => Either.orElse(validateTimeZone(Intl.DateTimeFormat().resolvedOptions().timeZone), () => Either.right("UTC")),
      onSome: validateTimeZone
    })
    if (Either.isLeft(timeZone)) return yield* Effect.fail(new UsageError(timeZone.left))
    const bound = (option: string, value: Option.Option<string>) =>
      Option.match(value, {
        onNone: () => Effect.succeed(undefined),
        onSome: (text) =>
          Either.match(parseTimeBound(option, text, nowMs), {
            onLeft: (message) => Effect.fail(new UsageError(message)),
            onRight: Effect.succeed
          })
      })
    const maxLedgerBytes = parseByteCount(values.maxLedgerBytes)
    if (maxLedgerBytes === undefined) {
      return yield* Effect.fail(
        new UsageError(
          `invalid --max-ledger-bytes ${JSON.stringify(values.maxLedgerBytes)}: expected a positive whole number of bytes in decimal digits, such as ${DEFAULT_MAX_LEDGER_BYTES}`
        )
      )
    }
    const since = yield* bound("--since", values.since)
    const until = yield* bound("--until", values.until)
    if (since !== undefined && until !== undefined && since.kind === until.kind) {
      const empty = since.kind === "day" && until.kind === "day"
        ? since.day > until.day
        : since.kind === "instant" && until.kind === "instant" && since.epochMs > until.epochMs
      if (empty) return yield* Effect.fail(new UsageError("invalid date range: --until is before --since, so no workspace could match"))
    }
    return {
      roots: values.root,
      timeFilter: {
        since,
        until,
        timeZone: timeZone.right
      },
      projectKey: Option.getOrUndefined(Option.map(values.project, (project) => normalizeProjectPath(project, path))),
      excludeArchived: values.excludeArchived,
      json: values.json,
      strict: values.strict,
      maxLedgerBytes
    }
  })

/** Parses a byte count written in decimal digits, from 1 to 2^53 - 1. */
const parseByteCount = (text: string): number | undefined => {
  if (!/^[1-9][0-9]*$/.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}
