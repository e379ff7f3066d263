/**
 * Property tests of the collector on generated Mux homes in the in-memory file system:
 * valid ledgers with random model keys, buckets and flags, and ledgers damaged in every
 * way `damageArb` generates (cut off, wrong types, out-of-range numbers, deep nesting,
 * invalid UTF-8, a BOM, an empty file).
 */
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, FastCheck as fc, Layer, Schema, Stream } from "effect"
import { collectEvents } from "../src/collect/collectEvents.js"
import { isValidModelEntry } from "../src/decode/decodeModelEntry.js"
import { BUCKET_NAMES, ModelEntry } from "../src/domain/Ledger.js"
import type { CollectorEvent, LedgerOutcome } from "../src/domain/Outcome.js"
import type { TurnRecord } from "../src/domain/TurnRecord.js"
import { SummaryBuilder } from "../src/report/summarize.js"
import {
  expectedTotals,
  type GeneratedHome,
  type GeneratedWorkspace,
  homeArb,
  homeSpec,
  ledgerBytes,
  modelEntryArb,
  shuffleWithSeed,
  undamagedHomeArb
} from "./support/arbitraries.js"
import { makeMemoryFileSystem, type MemoryTreeSpec } from "./support/MemoryFileSystem.js"

const HOME_A = "/home/ana/.mux"
const HOME_B = "/home/ana/.xum"

/** Runs the collector over homes laid out in memory and returns how the run ended. */
const runCollector = (
  spec: MemoryTreeSpec,
  roots: ReadonlyArray<string>,
  listOrder?: (names: Array<string>) => Array<string>
) => {
  const memory = makeMemoryFileSystem(spec, listOrder === undefined ? {} : { listOrder })
  return Stream.runCollect(collectEvents({ roots })).pipe(
    Effect.map(Chunk.toArray),
    Effect.provide(Layer.merge(memory.layer, NodePath.layer)),
    Effect.exit
  )
}

/** The events of a run that must succeed; a failure fails the test with the cause. */
const collectOk = (spec: MemoryTreeSpec, roots: ReadonlyArray<string>) =>
  Effect.map(runCollector(spec, roots), (exit) => {
    if (Exit.isFailure(exit)) throw new Error(`the run failed: ${Cause.pretty(exit.cause)}`)
    return exit.value
  })

const isLedgerOutcome = (event: CollectorEvent): event is LedgerOutcome =>
  event._tag === "LedgerCounted" || event._tag === "LedgerSetAside" || event._tag === "LedgerFailed" ||
  event._tag === "FolderSkipped"

const ledgerPathOf = (root: string, workspace: GeneratedWorkspace) => `${root}/sessions/${workspace.id}/session-usage.json`

const outcomesByPath = (events: ReadonlyArray<CollectorEvent>): Map<string, Array<LedgerOutcome>> => {
  const byPath = new Map<string, Array<LedgerOutcome>>()
  for (const event of events) {
    if (!isLedgerOutcome(event)) continue
    const list = byPath.get(event.folder.ledgerPath) ?? []
    list.push(event)
    byPath.set(event.folder.ledgerPath, list)
  }
  return byPath
}

const recordsOf = (outcome: LedgerOutcome | undefined): ReadonlyArray<TurnRecord> =>
  outcome !== undefined && (outcome._tag === "LedgerCounted" || outcome._tag === "LedgerSetAside") ? outcome.records : []

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isModelEntry = Schema.is(ModelEntry)

/**
 * What a ledger file holds, read without the collector: decoded as UTF-8 with a leading
 * BOM dropped, parsed with JSON.parse, and checked against the format (`version` 1, a
 * `byModel` object) and the `ModelEntry` schema entry by entry.
 */
type IndependentReading =
  | { readonly usable: false }
  | {
    readonly usable: true
    readonly validEntries: ReadonlyArray<readonly [string, ModelEntry]>
    readonly invalidKeys: ReadonlyArray<string>
  }

const readIndependently = (bytes: Uint8Array): IndependentReading => {
  let root: unknown
  try {
    root = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return { usable: false }
  }
  if (!isPlainObject(root) || root["version"] !== 1 || !isPlainObject(root["byModel"])) return { usable: false }
  const entries = Object.entries(root["byModel"])
  return {
    usable: true,
    validEntries: entries.filter((pair): pair is [string, ModelEntry] => isModelEntry(pair[1])),
    invalidKeys: entries.filter(([, entry]) => !isModelEntry(entry)).map(([key]) => key)
  }
}

/** An entry gives a record when some bucket has tokens or a cost: an entry of zeros (a reset fork) gives none. */
const hasUsage = (entry: ModelEntry) =>
  BUCKET_NAMES.some((name) => entry[name].tokens > 0 || (entry[name].cost_usd ?? 0) > 0)

const usageOfEntry = (entry: ModelEntry) => ({
  input: entry.input.tokens,
  cacheRead: entry.cached.tokens,
  cacheCreate5m: entry.cacheCreate.tokens,
  cacheCreate1h: 0,
  output: entry.output.tokens,
  reasoning: entry.reasoning.tokens
})

const sumRecords = (records: ReadonlyArray<TurnRecord>) => {
  const totals = { input: 0, cacheRead: 0, cacheCreate: 0, output: 0, reasoning: 0, costUsd: 0 }
  for (const record of records) {
    totals.input += record.usage.input
    totals.cacheRead += record.usage.cacheRead
    totals.cacheCreate += record.usage.cacheCreate5m + record.usage.cacheCreate1h
    totals.output += record.usage.output
    totals.reasoning += record.usage.reasoning
    totals.costUsd += record.cost.usd ?? 0
  }
  return totals
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Fast-check settings: modest run counts keep the whole suite under a minute on two cores.
 * The collector properties use `it.live.prop`, because the test services of
 * `it.effect.prop` cost more per run than the collector does on these small homes.
 */
const runs = (numRuns: number) => ({ fastCheck: { numRuns } })

describe("collector on generated homes", () => {
  it.live.prop("run never dies", [homeArb, homeArb], ([first, second]) =>
    Effect.gen(function*() {
      const exit = yield* runCollector({ ...homeSpec(HOME_A, first), ...homeSpec(HOME_B, second) }, [HOME_A, HOME_B])
      expect(Exit.isSuccess(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toBe(true)
    }), runs(80))

  it.live.prop("one outcome per folder", [homeArb], ([home]) =>
    Effect.gen(function*() {
      const events = yield* collectOk(homeSpec(HOME_A, home), [HOME_A])
      const byPath = outcomesByPath(events)
      for (const workspace of home.workspaces) {
        expect(byPath.get(ledgerPathOf(HOME_A, workspace))?.length, JSON.stringify(workspace.id)).toBe(1)
      }
      expect([...byPath.values()].flat()).toHaveLength(home.workspaces.length)
    }), runs(60))

  it.live.prop("damaged ledger never silently dropped", [homeArb], ([home]) =>
    Effect.gen(function*() {
      const events = yield* collectOk(homeSpec(HOME_A, home), [HOME_A])
      const byPath = outcomesByPath(events)
      for (const workspace of home.workspaces.filter((candidate) => candidate.damage !== undefined)) {
        const label = `${JSON.stringify(workspace.id)} damaged by ${JSON.stringify(workspace.damage).slice(0, 200)}`
        const [outcome] = byPath.get(ledgerPathOf(HOME_A, workspace)) ?? []
        const reading = readIndependently(ledgerBytes(workspace))
        if (!reading.usable) {
          expect(outcome?._tag, label).toBe("LedgerFailed")
          continue
        }
        expect(["LedgerCounted", "LedgerSetAside"], label).toContain(outcome?._tag)
        const invalidKeys = outcome?._tag === "LedgerCounted" || outcome?._tag === "LedgerSetAside"
          ? outcome.invalidEntries.map((error) => error.modelKey)
          : []
        expect(invalidKeys.slice().sort(byCodeUnits), label).toEqual(reading.invalidKeys.slice().sort(byCodeUnits))

        const records = new Map(recordsOf(outcome).map((record) => [record.modelKey, record]))
        const withUsage = reading.validEntries.filter(([, entry]) => hasUsage(entry))
        expect([...records.keys()].sort(byCodeUnits), label).toEqual(withUsage.map(([key]) => key).sort(byCodeUnits))
        for (const [key, entry] of withUsage) {
          expect(records.get(key)?.usage, `${label}, entry ${JSON.stringify(key)}`).toEqual(usageOfEntry(entry))
        }
      }
    }), runs(150))

  it.live.prop("undamaged ledger totals exact", [undamagedHomeArb], ([home]) =>
    Effect.gen(function*() {
      const events = yield* collectOk(homeSpec(HOME_A, home), [HOME_A])
      const byPath = outcomesByPath(events)
      for (const workspace of home.workspaces) {
        const [outcome] = byPath.get(ledgerPathOf(HOME_A, workspace)) ?? []
        const label = JSON.stringify(workspace.id)
        expect(outcome?._tag, label).toBe("LedgerCounted")
        expect(outcome?._tag === "LedgerCounted" ? outcome.invalidEntries : [], label).toEqual([])
        expect(sumRecords(recordsOf(outcome)), label).toEqual(expectedTotals(workspace.ledger.byModel))
      }
    }), runs(60))

  it.live.prop("summary totals equal generated sums", [undamagedHomeArb], ([home]) =>
    Effect.gen(function*() {
      const events = yield* collectOk(homeSpec(HOME_A, home), [HOME_A])
      const summary = new SummaryBuilder("model", "UTC")
      for (const event of events) if (event._tag === "LedgerCounted") event.records.forEach((record) => summary.add(record))
      const { totals } = summary.build()
      const expected = expectedTotals(home.workspaces.flatMap((workspace) => workspace.ledger.byModel))
      expect(totals.usage).toEqual({
        input: expected.input,
        cacheRead: expected.cacheRead,
        cacheCreate5m: expected.cacheCreate,
        cacheCreate1h: 0,
        output: expected.output,
        reasoning: expected.reasoning
      })
      expect(totals.cost.usd ?? 0).toBe(expected.costUsd)
    }), runs(50))

  it.live.prop("listing order changes nothing", [homeArb, homeArb, fc.integer()], ([first, second, seed]) =>
    Effect.gen(function*() {
      const homes = withSharedWorkspaces(first, second)
      const spec = { ...homeSpec(HOME_A, homes[0]), ...homeSpec(HOME_B, homes[1]) }
      const listed = yield* collectOk(spec, [HOME_A, HOME_B])
      const shuffled = yield* Effect.flatMap(
        runCollector(spec, [HOME_A, HOME_B], (names) => shuffleWithSeed(names, seed)),
        (exit) => (Exit.isSuccess(exit) ? Effect.succeed(exit.value) : Effect.die(Cause.pretty(exit.cause)))
      )
      expect(JSON.stringify(shuffled)).toBe(JSON.stringify(listed))
    }), runs(60))
})

/** Copies the first home's first two workspaces into the second, so the same id is in both homes. */
const withSharedWorkspaces = (first: GeneratedHome, second: GeneratedHome): readonly [GeneratedHome, GeneratedHome] => {
  const ids = new Set(second.workspaces.map((workspace) => workspace.id))
  const shared = first.workspaces.slice(0, 2).filter((workspace) => !ids.has(workspace.id))
  return [first, { ...second, workspaces: [...second.workspaces, ...shared] }]
}

// == The hand-written guard against the schema

/** Values that sit at the edge of what the schema accepts. */
const edgeValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    1.5,
    2 ** 53,
    2 ** 53 - 1,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    "12",
    "",
    true,
    false
  ),
  fc.constant(null).map(() => []),
  fc.constant(null).map(() => ({})),
  fc.constant(null).map(() => Object.assign([], { tokens: 1 })),
  fc.constant(null).map(() => Object.assign(Object.create(null) as object, { tokens: 7, cost_usd: 0.5 })),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 4 }),
  fc.jsonValue({ maxDepth: 2 })
)

const ENTRY_FIELDS = [...BUCKET_NAMES, "model", "hasUnknownCosts", "costsIncluded", "extra"] as const
const BUCKET_FIELDS = ["tokens", "cost_usd", "extra"] as const

/** A valid entry with one field of the entry or of one bucket set to an edge value or removed. */
const nearValidEntryArb: fc.Arbitrary<unknown> = fc
  .record({
    entry: modelEntryArb,
    bucket: fc.option(fc.constantFrom(...BUCKET_NAMES), { nil: undefined }),
    entryField: fc.constantFrom(...ENTRY_FIELDS),
    bucketField: fc.constantFrom(...BUCKET_FIELDS),
    remove: fc.boolean(),
    value: edgeValueArb
  })
  .map(({ bucket, bucketField, entry, entryField, remove, value }) => {
    const copy: Record<string, unknown> = { ...entry }
    const target: Record<string, unknown> = bucket === undefined ? copy : { ...entry[bucket] }
    if (bucket !== undefined) copy[bucket] = target
    const field = bucket === undefined ? entryField : bucketField
    if (remove) delete target[field]
    else target[field] = value
    return copy
  })

/** A valid entry's fields on an array: no JSON text gives one, but the schema rejects it. */
const entryAsArrayArb: fc.Arbitrary<unknown> = modelEntryArb.map((entry) => Object.assign([], entry))

describe("isValidModelEntry", () => {
  it.prop(
    "matches schema on JSON values",
    [fc.oneof(fc.jsonValue(), modelEntryArb, nearValidEntryArb, edgeValueArb, entryAsArrayArb)],
    ([value]) => {
      expect(isValidModelEntry(value)).toBe(isModelEntry(value))
    },
    { fastCheck: { numRuns: 3000 } }
  )

  it.prop("accepts generated entries", [modelEntryArb], ([entry]) => {
    expect(isValidModelEntry(entry)).toBe(true)
  })

  it.prop("matches schema on near-valid entries", [nearValidEntryArb], ([entry]) => {
    expect(isValidModelEntry(entry)).toBe(isModelEntry(entry))
  }, { fastCheck: { numRuns: 3000 } })

  it.prop("matches schema on parsed text", [nearValidEntryArb], ([entry]) => {
    // JSON text turns undefined into a missing field, -0 into 0 and Infinity into null.
    const parsed: unknown = JSON.parse(JSON.stringify(entry) ?? "null")
    expect(isValidModelEntry(parsed)).toBe(isModelEntry(parsed))
  }, { fastCheck: { numRuns: 1000 } })
})
