import { Either, Option, ParseResult, Schema } from "effect"
import * as AST from "effect/SchemaAST"
import { BUCKET_NAMES, ModelEntry } from "../domain/Ledger.js"

/** Location and reason of a model entry's invalidity: the field path (`input.tokens`) and the problem. */
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
  return Either.mapLeft(decodeWithSchema(value), (error) => describeIssue(error.issue, []))
}

/**
 * Names the field and the problem of the first issue. The schema's own formatters print
 * the value found in full and recursively, so an entry holding 100,000 nested arrays
 * overflows the stack and a 10 MB string ends up in the message. This prints at most
 * `MAX_SHOWN_LENGTH` characters of it instead.
 */
const describeIssue = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): EntryProblem => {
  const at = (problem: string): EntryProblem => ({
    field: path.length === 0 ? "entry" : path.map(String).join("."),
    problem
  })
  switch (issue._tag) {
    case "Pointer":
      return describeIssue(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])])
    case "Composite": {
      const first = Array.isArray(issue.issues) ? issue.issues[0] : issue.issues
      if (first === undefined) return at(`Expected ${expectedType(issue.ast)}, actual ${showValue(issue.actual)}`)
      return describeIssue(first, path)
    }
    case "Refinement":
      return issue.kind === "From"
        ? describeIssue(issue.issue, path)
        : at(`${refinementMessage(issue)}, actual ${showValue(issue.actual)}`)
    case "Transformation":
      return describeIssue(issue.issue, path)
    case "Missing":
      return at("is missing")
    case "Type":
    case "Forbidden":
      return at(`Expected ${expectedType(issue.ast)}, actual ${showValue(issue.actual)}`)
    case "Unexpected":
      return at(`is unexpected, actual ${showValue(issue.actual)}`)
  }
}

/** Returns the expected type as the schema prints it, but "an object" for a struct, whose printed form runs to hundreds of characters. */
const expectedType = (ast: AST.AST): string => (ast._tag === "TypeLiteral" ? "an object" : String(ast))

/** Returns the message a filter of the schema declares, such as "must be a finite, non-negative number". */
const refinementMessage = (issue: ParseResult.Refinement): string => {
  const annotation = AST.getMessageAnnotation(issue.ast)
  const message = Option.isSome(annotation) ? annotation.value(issue) : undefined
  return typeof message === "string" ? message : `Expected ${String(issue.ast)}`
}

/** Maximum length of the text that shows a value in a problem. */
const MAX_SHOWN_LENGTH = 80

/**
 * Prints a value as compact JSON, two levels deep at most and cut at `MAX_SHOWN_LENGTH`
 * characters, so that its cost does not grow with the value.
 */
const showValue = (value: unknown): string => {
  const text = showBounded(value, 0)
  return text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH - 1)}…` : text
}

const MAX_SHOWN_DEPTH = 2
const MAX_SHOWN_ITEMS = 5

const showBounded = (value: unknown, depth: number): string => {
  if (typeof value === "string") {
    return value.length > MAX_SHOWN_LENGTH ? `${JSON.stringify(value.slice(0, MAX_SHOWN_LENGTH))}…` : JSON.stringify(value)
  }
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value)
  if (typeof value !== "object" || value === null) return String(value)
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]"
    if (depth >= MAX_SHOWN_DEPTH) return "[…]"
    const items = value.slice(0, MAX_SHOWN_ITEMS).map((item: unknown) => showBounded(item, depth + 1))
    return `[${items.join(",")}${value.length > MAX_SHOWN_ITEMS ? ",…" : ""}]`
  }
  const keys = Object.keys(value)
  if (keys.length === 0) return "{}"
  if (depth >= MAX_SHOWN_DEPTH) return "{…}"
  const fields = keys
    .slice(0, MAX_SHOWN_ITEMS)
    .map((key) => `${showBounded(key, depth + 1)}:${showBounded((value as Record<string, unknown>)[key], depth + 1)}`)
  return `{${fields.join(",")}${keys.length > MAX_SHOWN_ITEMS ? ",…" : ""}}`
}

/**
 * Checks by hand what `Schema.is(ModelEntry)` checks, for the hot path. Like the schema,
 * it rejects arrays where it expects an object. Unlike the schema, it also reads fields
 * inherited from a prototype, which no value from `JSON.parse` has.
 */
export const isValidModelEntry = (value: unknown): value is ModelEntry => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
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
