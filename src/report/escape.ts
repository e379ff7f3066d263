/**
 * Characters that must not reach a terminal raw. C0 and C1 control characters (ESC, BEL,
 * CSI, ...) drive the terminal, and bidirectional marks and overrides reorder text.
 * Invisible characters make two different values look the same: the soft hyphen,
 * zero-width spaces and joiners, the word joiner and invisible operators, deprecated
 * format characters, interlinear annotation marks, the byte-order mark, line and
 * paragraph separators, and tag characters. Tag characters are the surrogate pairs
 * U+DB40 U+DC00 to U+DB40 U+DC7F.
 */
const INVISIBLE_AND_BIDI =
  "\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb"
const TAG_CHARACTER = "\\udb40[\\udc00-\\udc7f]"

const UNSAFE_IN_TEXT = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE_AND_BIDI}]|${TAG_CHARACTER}`, "g")

/** Escapes each UTF-16 code unit of a match as `\uNNNN`. */
const toUnicodeEscapes = (match: string): string => {
  let escaped = ""
  for (let index = 0; index < match.length; index++) {
    escaped += `\\u${match.charCodeAt(index).toString(16).padStart(4, "0")}`
  }
  return escaped
}

/** Escapes unsafe characters as `\xNN` or `\uNNNN`, for tables and messages. */
export const escapeText = (text: string): string =>
  text.replace(UNSAFE_IN_TEXT, (match) => {
    const code = match.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : toUnicodeEscapes(match)
  })

/** The same set without C0 controls, which `JSON.stringify` escapes itself. */
export const UNSAFE_IN_JSON = new RegExp(`[\\u007f-\\u009f${INVISIBLE_AND_BIDI}]|${TAG_CHARACTER}`, "g")

/**
 * Escapes DEL, C1 controls, bidirectional overrides and invisible characters in JSON text
 * as `\uNNNN`. Escaping works character by character, so JSON texts can be joined
 * before or after it with the same result.
 */
export const escapeJsonText = (json: string): string => json.replace(UNSAFE_IN_JSON, toUnicodeEscapes)

/**
 * Serializes a value as JSON that is safe to print. `JSON.stringify` already escapes C0
 * control characters, and this also escapes DEL, C1 controls, bidirectional overrides and
 * invisible characters as `\uNNNN`. Parsing the output gives back the exact strings.
 */
export const toSafeJson = (value: unknown, indent?: number): string => escapeJsonText(JSON.stringify(value, null, indent))

/**
 * Serializes values one JSON text each, joined by `separator` into batches of at least
 * `batchChars` characters (the last batch can be shorter), escaped as `toSafeJson` escapes.
 * Joining the batches with `separator` gives the same text as joining `toSafeJson` of each value.
 */
export const toSafeJsonBatches = (
  values: ReadonlyArray<unknown>,
  separator: string,
  batchChars: number
): Array<string> => {
  const batches: Array<string> = []
  let texts: Array<string> = []
  let size = 0
  for (const value of values) {
    const text = JSON.stringify(value)
    texts.push(text)
    size += text.length
    if (size >= batchChars) {
      batches.push(escapeJsonText(texts.join(separator)))
      texts = []
      size = 0
    }
  }
  if (texts.length > 0) batches.push(escapeJsonText(texts.join(separator)))
  return batches
}
