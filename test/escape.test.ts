/**
 * Tests of the escaping of text from the data: control characters, bidirectional marks and
 * invisible characters never reach the terminal raw, and JSON output parses back to the
 * exact text.
 */
import { describe, expect, it } from "@effect/vitest"
import { escapeText, toSafeJson } from "../src/report/escape.js"

const unsafe: ReadonlyArray<readonly [name: string, character: string, escaped: string]> = [
  ["ESC", "\u001b", "\\x1b"],
  ["DEL", "\u007f", "\\x7f"],
  ["CSI", "\u009b", "\\x9b"],
  ["soft hyphen", "\u00ad", "\\xad"],
  ["Arabic letter mark", "\u061c", "\\u061c"],
  ["Mongolian vowel separator", "\u180e", "\\u180e"],
  ["zero-width space", "\u200b", "\\u200b"],
  ["right-to-left override", "\u202e", "\\u202e"],
  ["word joiner", "\u2060", "\\u2060"],
  ["invisible plus", "\u2064", "\\u2064"],
  ["first strong isolate", "\u2068", "\\u2068"],
  ["inhibit symmetric swapping", "\u206a", "\\u206a"],
  ["nominal digit shapes", "\u206f", "\\u206f"],
  ["byte-order mark", "\ufeff", "\\ufeff"],
  ["interlinear annotation anchor", "\ufff9", "\\ufff9"],
  ["tag latin capital A", "\u{E0041}", "\\udb40\\udc41"],
  ["cancel tag", "\u{E007F}", "\\udb40\\udc7f"],
  ["Arabic number sign", "\u0600", "\\u0600"],
  ["combining grapheme joiner", "\u034f", "\\u034f"],
  ["Hangul filler", "\u3164", "\\u3164"],
  ["Mongolian free variation selector", "\u180b", "\\u180b"],
  ["variation selector 16", "\ufe0f", "\\ufe0f"],
  ["variation selector 17", "\u{E0100}", "\\udb40\\udd00"],
  ["lone high surrogate", "\ud800", "\\ud800"],
  ["lone low surrogate", "\udc00", "\\udc00"]
]

describe("escapeText", () => {
  for (const [name, character, escaped] of unsafe) {
    it(`escapes ${name}`, () => {
      expect(escapeText(`a${character}b`)).toBe(`a${escaped}b`)
    })
  }

  it("keeps visible non-ASCII text", () => {
    expect(escapeText("caf\u00e9 \u4e2d\u6587 \u{1f600} \u05e9\u05dc\u05d5\u05dd")).toBe("caf\u00e9 \u4e2d\u6587 \u{1f600} \u05e9\u05dc\u05d5\u05dd")
  })
})

describe("toSafeJson", () => {
  for (const [name, character] of unsafe) {
    it(`escapes ${name} and parses back`, () => {
      const json = toSafeJson({ key: `a${character}b` })

      expect(json).not.toContain(character)
      expect(JSON.parse(json)).toEqual({ key: `a${character}b` })
    })
  }
})
