import { Either, ParseResult, Schema } from "effect"
import { BUCKET_NAMES, ModelEntry } from "../domain/Ledger.js"

/** Where a model entry is invalid: the field path (`input.tokens`) and the problem. */
export interface EntryProblem {
  readonly field: string
  readonly problem: string
}

const decodeWithSchema = Schema.decodeUnknownEither(ModelEntry, { errors: "first" })

/**
 * Decodes one `byModel` entry with the `ModelEntry` schema.
 *
 * Almost every entry is valid, so `isValidModelEntry` is tried first: it accepts
 * exactly what the schema accepts (a property test checks that) at a fraction of the
 * cost. Only an entry it rejects goes through the schema, which names the field.
 */
export const decodeModelEntry = (value: unknown): Either.Either<ModelEntry, EntryProblem> => {
  if (isValidModelEntry(value)) return Either.right(value)
  return Either.mapLeft(decodeWithSchema(value), (error) => {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    return {
      field: issue === undefined || issue.path.length === 0 ? "entry" : issue.path.map(String).join("."),
      problem: issue === undefined ? "does not match the model entry schema" : shortenStructMessage(issue.message)
    }
  })
}

/**
 * Replaces the struct type that the schema prints for a value of the wrong kind, such as
 * `Expected { readonly tokens: ... }, actual 5` (several hundred characters for a whole
 * entry), with the words "an object".
 */
const shortenStructMessage = (message: string): string =>
  message.replace(/^Expected \{.*?\}, actual /s, "Expected an object, actual ")

/** A hand-written twin of `Schema.is(ModelEntry)`, for the hot path. */
export const isValidModelEntry = (value: unknown): value is ModelEntry => {
  if (typeof value !== "object" || value === null) return false
  const entry = value as Record<string, unknown>
  for (const name of BUCKET_NAMES) {
    if (!isValidBucket(entry[name])) return false
  }
  return (
    isOptional(entry, "model", "string") &&
    isOptional(entry, "hasUnknownCosts", "boolean") &&
    isOptional(entry, "costsIncluded", "boolean")
  )
}

const isValidBucket = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return false
  const bucket = value as Record<string, unknown>
  const tokens = bucket["tokens"]
  if (typeof tokens !== "number" || !Number.isSafeInteger(tokens) || tokens < 0) return false
  if (!("cost_usd" in bucket)) return true
  const cost = bucket["cost_usd"]
  return cost === undefined || (typeof cost === "number" && Number.isFinite(cost) && cost >= 0)
}

const isOptional = (entry: Record<string, unknown>, key: string, type: "string" | "boolean"): boolean => {
  if (!(key in entry)) return true
  const value = entry[key]
  return value === undefined || typeof value === type
}
