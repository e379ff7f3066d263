import { Either } from "effect"

/** Reason a ledger's text is not a JSON object. */
export interface JsonProblem {
  readonly kind: "empty" | "truncated" | "invalid-json" | "not-an-object"
  readonly detail: string
}

/**
 * Parses a ledger's text into a JSON object. A parse failure at the very end of the
 * text is reported as truncated, because that is what a file cut off mid-write gives.
 */
export const parseJsonObject = (text: string): Either.Either<Record<string, unknown>, JsonProblem> => {
  if (text.trim() === "") {
    return Either.left({ kind: "empty", detail: text.length === 0 ? "the file is empty" : "the file holds only whitespace" })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return Either.left(
      isCutOff(message, text)
        ? { kind: "truncated", detail: `the JSON ends too early, so the file was probably cut off (${message})` }
        : { kind: "invalid-json", detail: `not valid JSON (${message})` }
    )
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const found = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`
    return Either.left({ kind: "not-an-object", detail: `the JSON value is ${found}, not an object` })
  }
  return Either.right(value as Record<string, unknown>)
}

const isCutOff = (message: string, text: string): boolean => {
  if (message.includes("end of JSON input")) return true
  const position = /at position (\d+)/.exec(message)
  return position?.[1] !== undefined && Number(position[1]) >= text.trimEnd().length
}
