import { Either } from "effect"
import {
  LedgerMalformed,
  LedgerVersionUnsupported,
  LedgerWithoutByModel,
  ModelEntryInvalid
} from "../domain/errors.js"
import type { Ledger, ModelEntry, RollUpEntry } from "../domain/Ledger.js"
import { decodeModelEntry } from "./decodeModelEntry.js"
import { parseJsonObject } from "./parseJson.js"
import { decodeRolledUpFrom } from "./decodeRollUps.js"

/** A decoded ledger and the entries that were skipped because they are invalid. */
export interface DecodedLedger {
  readonly ledger: Ledger
  readonly invalidEntries: ReadonlyArray<ModelEntryInvalid>
}

/** Errors that make a whole ledger unusable at decode time. */
export type LedgerDecodeError = LedgerMalformed | LedgerWithoutByModel | LedgerVersionUnsupported

/**
 * Decodes a ledger's text. The file fails as a whole only when it is not a JSON object,
 * has a `version` other than 1, or has no `byModel` object. An invalid model entry is
 * reported and skipped while the other entries still count. Nothing is coerced, so a
 * token count written as the string `"12"` makes its entry invalid.
 */
export const decodeLedger = (
  text: string,
  ids: { readonly path: string; readonly workspaceId: string }
): Either.Either<DecodedLedger, LedgerDecodeError> => {
  const parsed = parseJsonObject(text)
  if (Either.isLeft(parsed)) {
    return Either.left(new LedgerMalformed({ ...ids, kind: parsed.left.kind, detail: parsed.left.detail }))
  }
  const root = parsed.right

  const byModel = root["byModel"]
  const hasByModel = typeof byModel === "object" && byModel !== null && !Array.isArray(byModel)
  if ("version" in root ? root["version"] !== 1 : hasByModel) {
    return Either.left(new LedgerVersionUnsupported({ ...ids, version: boundedVersion(root["version"]) }))
  }
  if (!hasByModel) {
    return Either.left(new LedgerWithoutByModel({ ...ids, detail: describeMissingByModel(byModel) }))
  }

  const entries: Array<readonly [string, ModelEntry]> = []
  const invalidEntries: Array<ModelEntryInvalid> = []
  for (const [modelKey, value] of Object.entries(byModel as Record<string, unknown>)) {
    const decoded = decodeModelEntry(value)
    if (Either.isRight(decoded)) {
      entries.push([modelKey, decoded.right])
    } else {
      invalidEntries.push(new ModelEntryInvalid({ ...ids, modelKey, ...decoded.left }))
    }
  }

  return Either.right({
    ledger: {
      entries,
      lastRequestMs: readLastRequestMs(root["lastRequest"]),
      rolledUpFrom: decodeRolledUpFrom(root["rolledUpFrom"])
    },
    invalidEntries
  })
}

/**
 * Keeps a rejected `version` small enough to report: a string is cut to 80 characters,
 * and an array or object is replaced by `"<array>"` or `"<object>"`, because a hostile
 * file can nest them thousands deep.
 */
const boundedVersion = (version: unknown): unknown => {
  if (typeof version === "string") return version.length > 80 ? `${version.slice(0, 80)}...` : version
  if (Array.isArray(version)) return "<array>"
  if (typeof version === "object" && version !== null) return "<object>"
  return version
}

const describeMissingByModel = (byModel: unknown): string => {
  if (byModel === undefined) return "has no byModel field"
  if (byModel === null) return "has byModel set to null"
  if (Array.isArray(byModel)) return "has byModel as an array, not an object"
  return `has byModel as a ${typeof byModel}, not an object`
}

const readLastRequestMs = (lastRequest: unknown): number | undefined => {
  if (typeof lastRequest !== "object" || lastRequest === null) return undefined
  const timestamp = (lastRequest as Record<string, unknown>)["timestamp"]
  return typeof timestamp === "number" && Number.isFinite(timestamp) ? timestamp : undefined
}

