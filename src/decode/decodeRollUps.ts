import { Either, Schema } from "effect"
import { RollUpEntry } from "../domain/Ledger.js"

const decodeRollUpEntry = Schema.decodeUnknownEither(RollUpEntry)

/**
 * Decodes `rolledUpFrom`: child workspace id to `true` (older files) or the child's
 * totals. An entry of any other shape still names a rolled-up child, so it is kept
 * as `true`: counting the child again would count its usage twice.
 */
export const decodeRolledUpFrom = (
  value: unknown
): ReadonlyArray<readonly [childWorkspaceId: string, entry: RollUpEntry]> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return []
  return Object.entries(value as Record<string, unknown>).map(([childId, entry]) => {
    const decoded = decodeRollUpEntry(entry)
    return [childId, Either.isRight(decoded) ? decoded.right : true] as const
  })
}
