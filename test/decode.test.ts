import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeLedger, type DecodedLedger, type LedgerDecodeError } from "../src/decode/decodeLedger.js"
import { decodeModelEntry } from "../src/decode/decodeModelEntry.js"
import type { ModelEntryInvalid } from "../src/domain/errors.js"

const IDS = { path: "/home/ana/.mux/sessions/a1b2c3d4e5/session-usage.json", workspaceId: "a1b2c3d4e5" }

const BUCKETS = ["input", "cached", "cacheCreate", "output", "reasoning"] as const

/** Builds a valid entry as Mux writes it, with every bucket priced. */
const goodEntry = (): Record<string, unknown> => ({
  input: { tokens: 1200, cost_usd: 0.006 },
  cached: { tokens: 48000, cost_usd: 0.024 },
  cacheCreate: { tokens: 2100, cost_usd: 0.013125 },
  output: { tokens: 900, cost_usd: 0.0225 },
  reasoning: { tokens: 300, cost_usd: 0.0075 }
})

/** Builds ledger text with one good entry and one entry under the key `bad:model`. */
const ledgerWithBadEntry = (badEntryJson: string): string =>
  `{"byModel":{"anthropic:claude-opus-4-6":${JSON.stringify(goodEntry())},"bad:model":${badEntryJson}},"version":1}`

/** Builds the good entry's JSON with one bucket's JSON replaced verbatim. */
const entryWithBucket = (bucket: (typeof BUCKETS)[number], bucketJson: string): string => {
  const parts = BUCKETS.map((name) =>
    `"${name}":${name === bucket ? bucketJson : JSON.stringify(goodEntry()[name])}`
  )
  return `{${parts.join(",")}}`
}

const decodeOk = (text: string): DecodedLedger => {
  const result = decodeLedger(text, IDS)
  if (Either.isLeft(result)) throw new Error(`expected the ledger to decode, got ${result.left.message}`)
  return result.right
}

const decodeError = (text: string): LedgerDecodeError => {
  const result = decodeLedger(text, IDS)
  if (Either.isRight(result)) throw new Error("expected the ledger to fail")
  return result.left
}

/** Asserts the error's tag and narrows the error to that class. */
const expectTag = <T extends LedgerDecodeError["_tag"]>(
  error: LedgerDecodeError,
  tag: T
): Extract<LedgerDecodeError, { readonly _tag: T }> => {
  expect(error._tag).toBe(tag)
  return error as Extract<LedgerDecodeError, { readonly _tag: T }>
}

/** Decodes a ledger built with `ledgerWithBadEntry` and returns its only invalid entry. */
const onlyInvalidEntry = (text: string): ModelEntryInvalid => {
  const { invalidEntries } = decodeOk(text)
  expect(invalidEntries).toHaveLength(1)
  const [invalid] = invalidEntries
  if (invalid === undefined) throw new Error("no invalid entry")
  return invalid
}

describe("decodeLedger malformed text", () => {
  it("empty file", () => {
    const error = decodeError("")
    expect(error._tag).toBe("LedgerMalformed")
    expect(expectTag(error, "LedgerMalformed").kind).toBe("empty")
  })

  it("whitespace-only file", () => {
    const error = decodeError("  \n\t\n")
    expect(expectTag(error, "LedgerMalformed").kind).toBe("empty")
    expect(expectTag(error, "LedgerMalformed").detail).toContain("whitespace")
  })

  it("truncated file", () => {
    const whole = JSON.stringify({ byModel: { "anthropic:claude-opus-4-6": goodEntry() }, version: 1 }, null, 2)
    const error = decodeError(whole.slice(0, Math.floor(whole.length / 2)))
    expect(expectTag(error, "LedgerMalformed").kind).toBe("truncated")
  })

  it("invalid JSON", () => {
    const error = decodeError("{byModel: {}, version: 1}")
    expect(expectTag(error, "LedgerMalformed").kind).toBe("invalid-json")
  })

  it("trailing garbage is invalid", () => {
    const error = decodeError("{\"byModel\":{},\"version\":1} trailing")
    expect(expectTag(error, "LedgerMalformed").kind).toBe("invalid-json")
  })

  it.each([
    ["array", "[]", "an array"],
    ["null", "null", "null"],
    ["number", "42", "a number"],
    ["string", "\"ledger\"", "a string"]
  ])("top-level %s is not an object", (_name, text, found) => {
    const error = decodeError(text)
    expect(expectTag(error, "LedgerMalformed").kind).toBe("not-an-object")
    expect(expectTag(error, "LedgerMalformed").detail).toContain(found)
  })

  it("error names path and workspace", () => {
    const error = decodeError("")
    expect(error.path).toBe(IDS.path)
    expect(error.workspaceId).toBe(IDS.workspaceId)
    expect(error.code).toBe("ledger-malformed")
  })

  it("leading BOM is not stripped here", () => {
    // readLedger removes the byte-order mark before decoding; see pipeline.test.ts.
    const error = decodeError("\uFEFF{\"byModel\":{},\"version\":1}")
    expect(expectTag(error, "LedgerMalformed").kind).toBe("invalid-json")
  })
})

describe("decodeLedger without byModel", () => {
  it.each([
    ["missing", "{\"version\":1,\"lastRequest\":null}", "has no byModel field"],
    ["null", "{\"version\":1,\"byModel\":null}", "null"],
    ["array", "{\"version\":1,\"byModel\":[]}", "array"],
    ["string", "{\"version\":1,\"byModel\":\"x\"}", "string"]
  ])("byModel %s", (_name, text, detail) => {
    const error = decodeError(text)
    expect(error._tag).toBe("LedgerWithoutByModel")
    expect(expectTag(error, "LedgerWithoutByModel").detail).toContain(detail)
    expect(error.code).toBe("ledger-no-by-model")
  })
})

describe("decodeLedger version", () => {
  it("version 2 is unsupported", () => {
    const error = decodeError(`{"byModel":{"m:x":${JSON.stringify(goodEntry())}},"version":2}`)
    expect(error._tag).toBe("LedgerVersionUnsupported")
    expect(expectTag(error, "LedgerVersionUnsupported").version).toBe(2)
  })

  it("version \"1\" is unsupported", () => {
    const error = decodeError("{\"byModel\":{},\"version\":\"1\"}")
    expect(error._tag).toBe("LedgerVersionUnsupported")
    expect(expectTag(error, "LedgerVersionUnsupported").version).toBe("1")
  })

  it("missing version with byModel", () => {
    const error = decodeError(`{"byModel":{"m:x":${JSON.stringify(goodEntry())}}}`)
    expect(error._tag).toBe("LedgerVersionUnsupported")
    expect(error.message).toContain("has byModel but no version field")
  })

  it("version 1 decodes", () => {
    const { ledger } = decodeOk(`{"byModel":{"m:x":${JSON.stringify(goodEntry())}},"version":1}`)
    expect(ledger.entries.map(([key]) => key)).toEqual(["m:x"])
  })
})

describe("decodeLedger invalid model entry", () => {
  it.each([
    ["tokens as string", "input", "{\"tokens\":\"12\"}", "input.tokens"],
    ["null tokens", "reasoning", "{\"tokens\":null}", "reasoning.tokens"],
    ["negative tokens", "output", "{\"tokens\":-1}", "output.tokens"],
    ["fractional tokens", "cached", "{\"tokens\":1.5}", "cached.tokens"],
    // 2^53 + 1 parses to 2^53, which Number.isSafeInteger rejects.
    ["tokens above 2^53", "input", "{\"tokens\":9007199254740993}", "input.tokens"],
    ["tokens 1e999 (Infinity)", "cacheCreate", "{\"tokens\":1e999}", "cacheCreate.tokens"],
    ["negative cost", "output", "{\"tokens\":900,\"cost_usd\":-0.01}", "output.cost_usd"],
    ["cost as string", "output", "{\"tokens\":900,\"cost_usd\":\"0.0225\"}", "output.cost_usd"],
    ["cost 1e999 (Infinity)", "input", "{\"tokens\":1,\"cost_usd\":1e999}", "input.cost_usd"],
    ["cost null", "input", "{\"tokens\":1,\"cost_usd\":null}", "input.cost_usd"],
    ["bucket is a number", "cached", "5", "cached"],
    ["bucket is null", "cached", "null", "cached"],
    ["bucket is an array", "cached", "[]", "cached"]
  ] as const)("%s", (_name, bucket, bucketJson, field) => {
    const invalid = onlyInvalidEntry(ledgerWithBadEntry(entryWithBucket(bucket, bucketJson)))
    expect(invalid.modelKey).toBe("bad:model")
    expect(invalid.field).toBe(field)
    expect(invalid.code).toBe("model-entry-invalid")
  })

  it("2^53 + 1 parses unsafe", () => {
    const parsed: unknown = JSON.parse("9007199254740993")
    expect(parsed).toBe(2 ** 53)
    expect(Number.isSafeInteger(parsed)).toBe(false)
  })

  it("missing bucket", () => {
    const entry = goodEntry()
    delete entry["reasoning"]
    const invalid = onlyInvalidEntry(ledgerWithBadEntry(JSON.stringify(entry)))
    expect(invalid.field).toBe("reasoning")
    expect(invalid.problem).toBe("is missing")
  })

  it.each([
    ["null", "null"],
    ["array", "[]"],
    ["number", "7"]
  ])("entry is %s", (_name, entryJson) => {
    const invalid = onlyInvalidEntry(ledgerWithBadEntry(entryJson))
    expect(invalid.field).toBe("entry")
    expect(invalid.problem).toBe(`Expected an object, actual ${entryJson}`)
  })

  it.each([
    ["hasUnknownCosts", "\"yes\""],
    ["costsIncluded", "1"],
    ["model", "3"]
  ])("flag %s of wrong type", (flag, valueJson) => {
    const entryJson = JSON.stringify(goodEntry()).replace(/\}$/, `,"${flag}":${valueJson}}`)
    const invalid = onlyInvalidEntry(ledgerWithBadEntry(entryJson))
    expect(invalid.field).toBe(flag)
  })

  it("message names key, field and file", () => {
    const invalid = onlyInvalidEntry(ledgerWithBadEntry(entryWithBucket("input", "{\"tokens\":\"12\"}")))
    expect(invalid.message).toContain("\"bad:model\"")
    expect(invalid.message).toContain("input.tokens")
    expect(invalid.message).toContain(IDS.path)
    expect(invalid.message).toContain(IDS.workspaceId)
  })

  it("good entries still decode", () => {
    const { invalidEntries, ledger } = decodeOk(ledgerWithBadEntry(entryWithBucket("input", "{\"tokens\":\"12\"}")))
    expect(invalidEntries).toHaveLength(1)
    expect(ledger.entries.map(([key]) => key)).toEqual(["anthropic:claude-opus-4-6"])
    expect(ledger.entries[0]?.[1].input.tokens).toBe(1200)
  })

  it("every bad entry is reported", () => {
    const text = `{"byModel":{` +
      `"a:one":${entryWithBucket("input", "{\"tokens\":\"12\"}")},` +
      `"ok:model":${JSON.stringify(goodEntry())},` +
      `"b:two":${entryWithBucket("reasoning", "{\"tokens\":null}")},` +
      `"c:three":${entryWithBucket("output", "{\"tokens\":1,\"cost_usd\":\"0.1\"}")}` +
      `},"version":1}`
    const { invalidEntries, ledger } = decodeOk(text)
    expect(invalidEntries.map((error) => [error.modelKey, error.field])).toEqual([
      ["a:one", "input.tokens"],
      ["b:two", "reasoning.tokens"],
      ["c:three", "output.cost_usd"]
    ])
    expect(ledger.entries.map(([key]) => key)).toEqual(["ok:model"])
  })
})

describe("decodeModelEntry coercion", () => {
  it("string \"12\" never becomes 12", () => {
    const entry = { ...goodEntry(), input: { tokens: "12" } }
    const result = decodeModelEntry(entry)
    expect(Either.isLeft(result)).toBe(true)
  })

  it("string cost never becomes a number", () => {
    const entry = { ...goodEntry(), output: { tokens: 900, cost_usd: "0.0225" } }
    expect(Either.isLeft(decodeModelEntry(entry))).toBe(true)
  })

  it("boolean flag as string is rejected", () => {
    expect(Either.isLeft(decodeModelEntry({ ...goodEntry(), costsIncluded: "true" }))).toBe(true)
  })

  it("valid entry keeps exact values", () => {
    const entry = { ...goodEntry(), hasUnknownCosts: true, model: "openrouter:anthropic/claude-sonnet-4.5" }
    const result = decodeModelEntry(entry)
    expect(Either.isRight(result)).toBe(true)
    expect(Either.getOrThrow(result)).toEqual(entry)
  })

  it("absent cost_usd is valid", () => {
    const entry = Object.fromEntries(BUCKETS.map((name) => [name, { tokens: 10 }]))
    const decoded = Either.getOrThrow(decodeModelEntry(entry))
    expect(decoded.input.cost_usd).toBeUndefined()
  })

  it("zero tokens and zero cost valid", () => {
    const entry = Object.fromEntries(BUCKETS.map((name) => [name, { tokens: 0, cost_usd: 0 }]))
    expect(Either.isRight(decodeModelEntry(entry))).toBe(true)
  })

  it("max safe integer is valid", () => {
    const entry = { ...goodEntry(), cached: { tokens: Number.MAX_SAFE_INTEGER } }
    expect(Either.isRight(decodeModelEntry(entry))).toBe(true)
  })

  it("decoded ledger keeps no coerced entry", () => {
    const { ledger } = decodeOk(ledgerWithBadEntry(entryWithBucket("input", "{\"tokens\":\"12\"}")))
    const tokens = ledger.entries.flatMap(([, entry]) => BUCKETS.map((name) => entry[name].tokens))
    expect(tokens.every((value) => typeof value === "number")).toBe(true)
    expect(tokens.reduce((sum, value) => sum + value, 0)).toBe(52500)
  })
})

describe("decodeLedger other fields", () => {
  it("reads lastRequest timestamp", () => {
    const { ledger } = decodeOk(
      `{"byModel":{},"lastRequest":{"model":"m:x","timestamp":1764000000000},"version":1}`
    )
    expect(ledger.lastRequestMs).toBe(1764000000000)
  })

  it("ignores string timestamp", () => {
    const { ledger } = decodeOk(`{"byModel":{},"lastRequest":{"timestamp":"1764000000000"},"version":1}`)
    expect(ledger.lastRequestMs).toBeUndefined()
  })

  it("empty byModel decodes empty", () => {
    const decoded = decodeOk("{\n  \"byModel\": {},\n  \"version\": 1\n}")
    expect(decoded.ledger.entries).toEqual([])
    expect(decoded.invalidEntries).toEqual([])
  })

  it("reads rolledUpFrom in both shapes", () => {
    const { ledger } = decodeOk(
      `{"byModel":{},"rolledUpFrom":{"4f0c2a9e1b":{"totalTokens":5300,"rolledUpAtMs":1763990000000},"0a1b2c3d4e":true},"version":1}`
    )
    expect(ledger.rolledUpFrom).toEqual([
      ["4f0c2a9e1b", { totalTokens: 5300, rolledUpAtMs: 1763990000000 }],
      ["0a1b2c3d4e", true]
    ])
  })
})
