import { Either } from "effect"

/** A `--since` or `--until` bound: a calendar day in the report's time zone, or an instant. */
export type TimeBound =
  | { readonly kind: "day"; readonly day: string }
  | { readonly kind: "instant"; readonly epochMs: number }

/** The active date filter of a run. */
export interface TimeFilter {
  readonly since: TimeBound | undefined
  readonly until: TimeBound | undefined
  readonly timeZone: string
}

const DURATION_UNITS_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000
}

/**
 * Parses a bound: a date `YYYY-MM-DD`, or a duration back from now such as `7d`, `24h`,
 * `30m` or `2w`. Anything else is an error naming the value.
 */
export const parseTimeBound = (option: string, value: string, nowMs: number): Either.Either<TimeBound, string> => {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (date !== null) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])]
    const probe = new Date(Date.UTC(year, month - 1, day))
    if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
      return Either.left(`invalid ${option} ${JSON.stringify(value)}: no such calendar date`)
    }
    return Either.right({ kind: "day", day: value })
  }
  const duration = /^(\d+)([mhdw])$/.exec(value)
  if (duration !== null) {
    const unitMs = DURATION_UNITS_MS[duration[2] ?? ""] ?? 0
    return Either.right({ kind: "instant", epochMs: nowMs - Number(duration[1]) * unitMs })
  }
  return Either.left(
    `invalid ${option} ${JSON.stringify(value)}: expected a date YYYY-MM-DD or a duration such as 7d, 24h, 30m or 2w`
  )
}

/** Checks that a time zone is a known IANA zone, such as `Europe/Berlin` or `UTC`. */
export const validateTimeZone = (timeZone: string): Either.Either<string, string> => {
  try {
    return Either.right(new Intl.DateTimeFormat("en-CA", { timeZone }).resolvedOptions().timeZone)
  } catch {
    return Either.left(`invalid --timezone ${JSON.stringify(timeZone)}: expected an IANA time zone such as Europe/Berlin or UTC`)
  }
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>()

/** Returns the calendar day (`YYYY-MM-DD`) of an instant in a time zone. */
export const dayOf = (epochMs: number, timeZone: string): string => {
  let formatter = dayFormatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    dayFormatters.set(timeZone, formatter)
  }
  return formatter.format(epochMs)
}

/** Checks whether an instant falls inside the filter. `--until` with a date includes that whole day. */
export const isInside = (epochMs: number, filter: TimeFilter): boolean => {
  const { since, until, timeZone } = filter
  if (since !== undefined) {
    if (since.kind === "instant" ? epochMs < since.epochMs : dayOf(epochMs, timeZone) < since.day) return false
  }
  if (until !== undefined) {
    if (until.kind === "instant" ? epochMs > until.epochMs : dayOf(epochMs, timeZone) > until.day) return false
  }
  return true
}

export const isActive = (filter: TimeFilter): boolean => filter.since !== undefined || filter.until !== undefined
