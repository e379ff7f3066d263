import { Either } from "effect"
import { GranularityUnavailable } from "../domain/errors.js"
import type { TurnRecord } from "../domain/TurnRecord.js"

/**
 * Checks that records can support an analysis that needs per-tool or per-call data,
 * before it runs. Records whose fidelity marks tool calls as not covered, or that are
 * per-session aggregates, fail the check with the number of records and workspaces
 * they cover. No records at all fail too, because the analysis would print an empty
 * result. Call it before any analysis that needs finer data than a source has.
 */
export const requireGranularity = (
  records: Iterable<TurnRecord>,
  needed: "per-tool" | "per-call"
): Either.Either<void, GranularityUnavailable> => {
  let lacking = 0
  let seen = 0
  const workspaces = new Set<string>()
  for (const record of records) {
    seen += 1
    const enough = needed === "per-tool"
      ? record.fidelity.coverage.toolCalls
      : record.granularity !== "per-session-aggregate"
    if (!enough) {
      lacking += 1
      workspaces.add(record.sessionId)
    }
  }
  return seen > 0 && lacking === 0
    ? Either.void
    : Either.left(new GranularityUnavailable({ needed, workspaces: workspaces.size, records: lacking }))
}
