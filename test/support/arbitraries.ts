/**
 * fast-check arbitraries for Mux homes: valid ledgers whose totals are known from the
 * generated values, and ways to damage a ledger's text or bytes. Property tests build
 * in-memory homes from them with `homeSpec`.
 */
import { FastCheck as fc } from "effect"
import { BUCKET_NAMES, type BucketName } from "../../src/domain/Ledger.js"
import type { MemoryTreeSpec } from "./MemoryFileSystem.js"

// == Valid ledgers

export interface GeneratedBucket {
  readonly tokens: number
  readonly cost_usd?: number
}

export type GeneratedEntry = { readonly [K in BucketName]: GeneratedBucket } & {
  readonly model?: string
  readonly hasUnknownCosts?: boolean
  readonly costsIncluded?: boolean
}

export interface GeneratedLedger {
  /** Model entries in file order; keys are unique. */
  readonly byModel: ReadonlyArray<readonly [modelKey: string, entry: GeneratedEntry]>
  readonly lastRequest: { readonly model: string; readonly usage: GeneratedEntry; readonly timestamp: number } | undefined
}

/** Characters that break naive readers: separators, controls, bidirectional overrides, a lone surrogate. */
const AWKWARD_CHARACTERS = [":", "/", "\\", ".", " ", "\u0000", "\n", "\u001b", "\u007f", "\u0085", "\u202e", "\ud800", "é", "ホ"]

const awkwardString = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      { arbitrary: fc.constantFrom(...AWKWARD_CHARACTERS), weight: 1 },
      { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }), weight: 3 }
    ),
    maxLength
  })

/** Model keys as Mux writes them, and keys no reader expects. */
export const modelKeyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "anthropic:claude-opus-4-6",
    "ollama:qwen3-coder:30b",
    "openrouter:z-ai/glm-4.6",
    "anthropic:claude-sonnet-4-5-20250929-v1:0",
    "historical",
    "unknown",
    "__proto__",
    "constructor",
    "",
    "0"
  ),
  fc.tuple(awkwardString(8), awkwardString(16)).map(([provider, model]) => `${provider}:${model}`),
  awkwardString(20)
)

/**
 * A dollar amount that is a multiple of 1/1024 below $2^20, so that any sum of a few
 * hundred of them is exact in floating point whatever the order of addition.
 */
export const exactCostArb: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 2 ** 30 }).map((units) => units / 1024)
)

/** A token count up to 2^40, so that sums over a generated home stay exact. */
export const tokenCountArb: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.nat({ max: 100_000 }),
  fc.nat({ max: 2 ** 40 })
)

export const bucketArb: fc.Arbitrary<GeneratedBucket> = fc.record(
  { tokens: tokenCountArb, cost_usd: exactCostArb },
  { requiredKeys: ["tokens"] }
)

export const modelEntryArb: fc.Arbitrary<GeneratedEntry> = fc.record(
  {
    input: bucketArb,
    cached: bucketArb,
    cacheCreate: bucketArb,
    output: bucketArb,
    reasoning: bucketArb,
    model: awkwardString(12),
    hasUnknownCosts: fc.boolean(),
    costsIncluded: fc.boolean()
  },
  { requiredKeys: [...BUCKET_NAMES] }
)

export const ledgerArb: fc.Arbitrary<GeneratedLedger> = fc
  .record({
    byModel: fc.uniqueArray(fc.tuple(modelKeyArb, modelEntryArb), { selector: ([key]) => key, maxLength: 5 }),
    hasLastRequest: fc.boolean(),
    timestamp: fc.oneof(fc.integer({ min: 1_577_836_800_000, max: 1_900_000_000_000 }), fc.nat())
  })
  .map(({ byModel, hasLastRequest, timestamp }) => {
    const [first] = byModel
    return {
      byModel,
      lastRequest: hasLastRequest && first !== undefined ? { model: first[0], usage: first[1], timestamp } : undefined
    }
  })

/** The ledger's text as Mux writes it: `JSON.stringify(value, null, 2)`, keys in first-write order. */
export const ledgerText = (ledger: GeneratedLedger): string =>
  JSON.stringify(
    {
      // Object.fromEntries defines own properties, so a key "__proto__" stays a key.
      byModel: Object.fromEntries(ledger.byModel),
      ...(ledger.lastRequest === undefined ? {} : { lastRequest: ledger.lastRequest }),
      version: 1
    },
    null,
    2
  )

/** Sums of a ledger's buckets as generated: the totals a reader must report for it. */
export interface ExpectedTotals {
  readonly input: number
  readonly cacheRead: number
  readonly cacheCreate: number
  readonly output: number
  readonly reasoning: number
  readonly costUsd: number
}

export const expectedTotals = (entries: Iterable<readonly [string, GeneratedEntry]>): ExpectedTotals => {
  const totals = { input: 0, cacheRead: 0, cacheCreate: 0, output: 0, reasoning: 0, costUsd: 0 }
  for (const [, entry] of entries) {
    totals.input += entry.input.tokens
    totals.cacheRead += entry.cached.tokens
    totals.cacheCreate += entry.cacheCreate.tokens
    totals.output += entry.output.tokens
    totals.reasoning += entry.reasoning.tokens
    for (const name of BUCKET_NAMES) totals.costUsd += entry[name].cost_usd ?? 0
  }
  return totals
}

// == Damage

type JsonValue = null | boolean | number | string | ReadonlyArray<JsonValue> | { readonly [key: string]: JsonValue }

/**
 * One way to damage a ledger. `pick` selects a node of the parsed ledger (modulo the
 * number of candidates), `at` a position as a fraction of the file's length.
 */
export type Damage =
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "replace-node"; readonly pick: number; readonly value: JsonValue }
  | { readonly kind: "number-text"; readonly pick: number; readonly literal: string }
  | { readonly kind: "number-to-string"; readonly pick: number }
  | { readonly kind: "add-field"; readonly pick: number; readonly key: string; readonly value: JsonValue }
  | { readonly kind: "remove-field"; readonly pick: number }
  | { readonly kind: "deep-nesting"; readonly pick: number; readonly depth: number }
  | { readonly kind: "invalid-utf8"; readonly at: number; readonly bytes: ReadonlyArray<number> }
  | { readonly kind: "bom" }
  | { readonly kind: "empty" }

/** Number literals whose value JSON.parse changes: Infinity, -0, 2^53 + 1 read as 2^53, underflow to 0. */
export const OUT_OF_RANGE_LITERALS = ["1e999", "-1e999", "-0", "9007199254740993", "1e-999", "-1", "0.5", "1E2"] as const

/** Bytes that are never valid UTF-8 wherever they are inserted: continuation bytes and never-used lead bytes. */
const invalidUtf8Byte = fc.oneof(
  fc.integer({ min: 0x80, max: 0xbf }),
  fc.constantFrom(0xc0, 0xc1),
  fc.integer({ min: 0xf5, max: 0xff })
)

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })

export const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fraction }),
  fc.record({ kind: fc.constant("replace-node" as const), pick: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue> }),
  fc.record({ kind: fc.constant("number-text" as const), pick: fc.nat(), literal: fc.constantFrom(...OUT_OF_RANGE_LITERALS) }),
  fc.record({ kind: fc.constant("number-to-string" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("add-field" as const),
    pick: fc.nat(),
    key: fc.oneof(fc.constantFrom(...BUCKET_NAMES, "tokens", "cost_usd", "model", "version", "byModel"), awkwardString(8)),
    value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>
  }),
  fc.record({ kind: fc.constant("remove-field" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("deep-nesting" as const),
    pick: fc.nat(),
    depth: fc.oneof(fc.constant(100_000), fc.integer({ min: 1, max: 2_000 }))
  }),
  fc.record({ kind: fc.constant("invalid-utf8" as const), at: fraction, bytes: fc.array(invalidUtf8Byte, { minLength: 1, maxLength: 4 }) }),
  fc.constant({ kind: "bom" as const }),
  fc.constant({ kind: "empty" as const })
)

type Container = Record<string, unknown> | Array<unknown>

/** A place in the parsed ledger: the root, or a key of an object or an index of an array. */
type Slot = { readonly container: undefined } | { readonly container: Container; readonly key: string }

const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null

const slotsOf = (root: unknown): Array<Slot & { readonly value: unknown }> => {
  const slots: Array<Slot & { readonly value: unknown }> = [{ container: undefined, value: root }]
  const pending: Array<unknown> = [root]
  while (pending.length > 0) {
    const value = pending.pop()
    if (!isContainer(value)) continue
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key]
      slots.push({ container: value, key, value: child })
      pending.push(child)
    }
  }
  return slots
}

/** A marker placed in the tree and swapped for raw text after serializing. */
const RAW_MARKER = "\u0000raw-text-marker-5f1c\u0000"

/** Sets a slot's value; returns the new root. `defineProperty` keeps a key "__proto__" an own key. */
const setSlot = (root: unknown, slot: Slot, value: unknown): unknown => {
  if (slot.container === undefined) return value
  Object.defineProperty(slot.container, slot.key, { value, enumerable: true, writable: true, configurable: true })
  return root
}

const pickFrom = <A>(items: ReadonlyArray<A>, pick: number): A | undefined => items[pick % items.length]

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Applies one damage to a ledger and returns the bytes of the damaged file. */
export const damageLedger = (ledger: GeneratedLedger, damage: Damage): Uint8Array => {
  const text = ledgerText(ledger)
  const bytes = encode(text)
  switch (damage.kind) {
    case "truncate":
      return bytes.slice(0, Math.floor(damage.at * bytes.length))
    case "invalid-utf8": {
      const at = Math.floor(damage.at * (bytes.length + 1))
      return Uint8Array.from([...bytes.slice(0, at), ...damage.bytes, ...bytes.slice(at)])
    }
    case "bom":
      return Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes])
    case "empty":
      return new Uint8Array()
    default:
      return encode(damageTree(JSON.parse(text), damage))
  }
}

const damageTree = (
  root: unknown,
  damage: Extract<Damage, { readonly pick: number }>
): string => {
  const slots = slotsOf(root)
  const withRaw = (slot: Slot, raw: string): string =>
    JSON.stringify(setSlot(root, slot, RAW_MARKER), null, 2).replace(JSON.stringify(RAW_MARKER), () => raw)

  switch (damage.kind) {
    case "replace-node": {
      const slot = pickFrom(slots, damage.pick) ?? slots[0]!
      return JSON.stringify(setSlot(root, slot, damage.value), null, 2)
    }
    case "number-text":
    case "number-to-string": {
      // `version` is a number in every generated ledger, so there is always a candidate.
      const slot = pickFrom(slots.filter((candidate) => typeof candidate.value === "number"), damage.pick)!
      return damage.kind === "number-text"
        ? withRaw(slot, damage.literal)
        : JSON.stringify(setSlot(root, slot, String(slot.value)), null, 2)
    }
    case "add-field": {
      const objects = slots.filter((candidate) => isContainer(candidate.value) && !Array.isArray(candidate.value))
      const target = pickFrom(objects, damage.pick)!.value as Record<string, unknown>
      setSlot(root, { container: target, key: damage.key }, damage.value)
      return JSON.stringify(root, null, 2)
    }
    case "remove-field": {
      const fields = slots.filter((candidate): candidate is typeof candidate & { container: Container } =>
        candidate.container !== undefined && !Array.isArray(candidate.container)
      )
      const field = pickFrom(fields, damage.pick)!
      delete (field.container as Record<string, unknown>)[field.key]
      return JSON.stringify(root, null, 2)
    }
    case "deep-nesting": {
      // A bucket's value when the ledger has one, otherwise `byModel` itself.
      const buckets = slots.filter((candidate) =>
        candidate.container !== undefined && (BUCKET_NAMES as ReadonlyArray<string>).includes(candidate.key)
      )
      const slot = pickFrom(buckets, damage.pick) ?? slots.find((candidate) => candidate.container !== undefined && candidate.key === "byModel")!
      return withRaw(slot, "[".repeat(damage.depth) + "]".repeat(damage.depth))
    }
  }
}

// == Homes

export interface GeneratedWorkspace {
  /** Folder name under `sessions/`: a hex id, a legacy name, or a name with awkward characters. */
  readonly id: string
  readonly ledger: GeneratedLedger
  readonly damage: Damage | undefined
}

export interface GeneratedHome {
  readonly workspaces: ReadonlyArray<GeneratedWorkspace>
  /** Whether the home has a `config.json` that lists every workspace under one project. */
  readonly withConfig: boolean
}

const hexId = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 10, maxLength: 10 })

/** A folder name: any text without "/" or NUL, and never "." or "..". */
export const workspaceIdArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hexId, weight: 3 },
  {
    arbitrary: awkwardString(16).filter((name) => name !== "" && name !== "." && name !== ".." && !/[/\u0000]/.test(name)),
    weight: 1
  }
)

const workspaceArb = (damaged: fc.Arbitrary<Damage | undefined>): fc.Arbitrary<GeneratedWorkspace> =>
  fc.record({ id: workspaceIdArb, ledger: ledgerArb, damage: damaged })

const homeOf = (damaged: fc.Arbitrary<Damage | undefined>): fc.Arbitrary<GeneratedHome> =>
  fc.record({
    workspaces: fc.uniqueArray(workspaceArb(damaged), { selector: (workspace) => workspace.id, maxLength: 6 }),
    withConfig: fc.boolean()
  })

/** A home where about half of the ledgers are damaged. */
export const homeArb: fc.Arbitrary<GeneratedHome> = homeOf(fc.option(damageArb, { nil: undefined }))

/** A home where no ledger is damaged. */
export const undamagedHomeArb: fc.Arbitrary<GeneratedHome> = homeOf(fc.constant(undefined))

/** The bytes of a workspace's ledger file. */
export const ledgerBytes = (workspace: GeneratedWorkspace): Uint8Array =>
  workspace.damage === undefined ? encode(ledgerText(workspace.ledger)) : damageLedger(workspace.ledger, workspace.damage)

/** Lays out a home at `root` (an absolute POSIX path) as an in-memory tree spec. */
export const homeSpec = (root: string, home: GeneratedHome): Record<string, MemoryTreeSpec[string]> => {
  const spec: Record<string, MemoryTreeSpec[string]> = { [`${root}/sessions`]: { directory: true } }
  for (const workspace of home.workspaces) {
    spec[`${root}/sessions/${workspace.id}/session-usage.json`] = ledgerBytes(workspace)
  }
  if (home.withConfig) {
    const workspaces = home.workspaces.map((workspace) => ({ id: workspace.id, name: `branch-${workspace.id}` }))
    spec[`${root}/config.json`] = JSON.stringify({ projects: [["/home/dev/src/project", { workspaces }]] }, null, 2)
  }
  return spec
}

/** A permutation of `names` drawn from `seed`: a Fisher-Yates shuffle driven by Mulberry32. */
export const shuffleWithSeed = (names: Array<string>, seed: number): Array<string> => {
  let state = seed >>> 0
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const shuffled = names.slice()
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = shuffled[i]!
    shuffled[i] = shuffled[j]!
    shuffled[j] = swap
  }
  return shuffled
}
