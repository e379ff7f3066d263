import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, FastCheck, Option, Stream } from "effect"
import * as path from "node:path"
import { collectEvents } from "../src/collect/collectEvents.js"
import type { ModelEntry } from "../src/domain/Ledger.js"
import type { TurnRecord } from "../src/domain/TurnRecord.js"
import type { WorkspaceInfo } from "../src/domain/WorkspaceConfig.js"
import { NodeCollectorLayer } from "../src/layers.js"
import { toTurnRecords } from "../src/map/toTurnRecords.js"
import { toSafeJson, toSafeJsonBatches } from "../src/report/escape.js"
import { repoRoot } from "./support/cli.js"

const homes = [
  "fixtures/mux-home/.mux",
  "fixtures/cases/17-subscription-included/home/.mux",
  "fixtures/cases/18-model-key-shapes/home/.mux",
  "fixtures/cases/25-control-chars/home/.mux"
]

const recordsOf = (home: string) =>
  collectEvents({ roots: [path.join(repoRoot, home)] }).pipe(
    Stream.runCollect,
    Effect.map((events) =>
      Chunk.toArray(events).flatMap((event) =>
        event._tag === "LedgerCounted" || event._tag === "LedgerSetAside" ? event.records : []
      )
    ),
    Effect.provide(NodeCollectorLayer)
  )

const text = FastCheck.oneof(
  FastCheck.string({ unit: "binary" }),
  FastCheck.constantFrom("\u001b[31m", "\u0007", "\u009b", "\u202e", "a:b:c", "\"quoted\"", "back\\slash")
)
const bucket = FastCheck.record(
  { tokens: FastCheck.nat(), cost_usd: FastCheck.double({ min: 0, max: 1e6, noNaN: true }) },
  { requiredKeys: ["tokens"] }
)
const entry: FastCheck.Arbitrary<ModelEntry> = FastCheck.record(
  {
    input: bucket,
    cached: bucket,
    cacheCreate: bucket,
    output: bucket,
    reasoning: bucket,
    hasUnknownCosts: FastCheck.boolean(),
    costsIncluded: FastCheck.boolean()
  },
  { requiredKeys: ["input", "cached", "cacheCreate", "output", "reasoning"] }
)
const workspace: FastCheck.Arbitrary<WorkspaceInfo | undefined> = FastCheck.option(
  FastCheck.record(
    {
      id: text,
      project: text,
      projectKey: text,
      name: text,
      title: text,
      archived: FastCheck.boolean(),
      parentWorkspaceId: text,
      agentType: text
    },
    { requiredKeys: ["id", "project", "projectKey", "archived"] }
  ),
  { nil: undefined }
)

/** Checks that the batches, joined, are the records' `toSafeJson` texts, for several batch sizes. */
const expectSameAsSafeJson = (records: ReadonlyArray<TurnRecord>) => {
  const expected = records.map((record) => toSafeJson(record)).join("\n")
  for (const batchChars of [1, 700, 32 * 1024, Number.MAX_SAFE_INTEGER]) {
    const batches = toSafeJsonBatches(records, "\n", batchChars)
    expect(batches.join("\n")).toBe(expected)
    for (const batch of batches.slice(0, -1)) expect(batch.length).toBeGreaterThanOrEqual(batchChars)
  }
}

describe("toSafeJsonBatches", () => {
  for (const home of homes) {
    it.effect(`matches toSafeJson on ${path.basename(path.dirname(path.dirname(home)))}`, () =>
      Effect.gen(function*() {
        const records = yield* recordsOf(home)

        expect(records.length).toBeGreaterThan(0)
        expectSameAsSafeJson(records)
      }))
  }

  it.prop("matches toSafeJson on generated records", [text, FastCheck.array(FastCheck.tuple(text, entry)), workspace], ([id, entries, info]) => {
    const records: Array<TurnRecord> = toTurnRecords(
      { home: "/h", workspaceId: id, folderPath: `/h/sessions/${id}`, ledgerPath: `/h/sessions/${id}/session-usage.json` },
      { entries, lastRequestMs: undefined, rolledUpFrom: [] },
      { nowMs: Date.UTC(2026, 0, 1), modifiedAt: Option.some(new Date(Date.UTC(2025, 5, 1))), workspace: info }
    )
    expectSameAsSafeJson(records)
  })

  it("escapes a character that a batch's separator would sit next to", () => {
    const batches = toSafeJsonBatches(["\u202e", "\u0085"], ",\n", 1)

    expect(batches).toEqual(["\"\\u202e\"", "\"\\u0085\""])
  })

  it("gives no batch for no values", () => {
    expect(toSafeJsonBatches([], "\n", 10)).toEqual([])
  })
})
