/**
 * Characters that must not reach a terminal raw, by Unicode general category where one
 * fits. Controls (Cc: C0, DEL, C1) drive the terminal. Format characters (Cf: bidi marks
 * and overrides, zero-width spaces and joiners, the word joiner, the soft hyphen, the
 * byte-order mark, tag characters, ...) reorder text or hide in it, like line and
 * paragraph separators (Zl, Zp). Lone surrogates (Cs) print as U+FFFD. The list adds
 * characters that draw nothing outside those categories: the combining grapheme joiner,
 * Hangul fillers, Mongolian free variation selectors and variation selectors.
 */
const HIDDEN = "\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\u034f\\u115f\\u1160\\u180b-\\u180f\\u3164\\ufe00-\\ufe0f\\uffa0\\u{e0100}-\\u{e01ef}"

const UNSAFE_IN_TEXT = new RegExp(`[\\p{Cc}${HIDDEN}]`, "gu")

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

/** The same set without C0 controls and lone surrogates, which `JSON.stringify` escapes itself. */
export const UNSAFE_IN_JSON = new RegExp(`[\\u007f-\\u009f${HIDDEN}]`, "gu")

/**
 * Escapes DEL, C1 controls, format characters and the other hidden characters in JSON
 * text as `\uNNNN`. Escaping works character by character, so JSON texts can be joined
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
