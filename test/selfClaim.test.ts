import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RollUpAnomaly } from "../src/domain/Outcome.js"
import { BACKENDS, collectTree, configJson, countedTokens, ledgerJson, type Tree } from "./support/homeTree.js"

const SELF = "c0c0c0c0c4"

/** A ledger whose rolledUpFrom names its own workspace: 1,000 + 200 = 1,200 tokens. */
const SELF_CLAIM: Tree = {
  ".mux/config.json": configJson([["/home/ana/src/shop", [{ id: SELF, name: "loop" }]]]),
  [`.mux/sessions/${SELF}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-opus-4-6": { tokens: [1000, 0, 0, 200, 0], usd: 0.5 } },
    lastRequestMs: 1788000000000,
    rolledUpFrom: { [SELF]: { totalTokens: 1200, agentType: "explore" } }
  })
}

for (const backend of BACKENDS) {
  describe(`ledger claiming itself (${backend})`, () => {
    it.live("is counted once", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, SELF_CLAIM, [".mux"])

        expect(countedTokens(events)).toBe(1200)
        expect(events.filter((event) => event._tag === "LedgerSetAside")).toEqual([])
      }))

    it.live("is reported as an anomaly", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, SELF_CLAIM, [".mux"])
        const anomalies = events.filter((event): event is RollUpAnomaly => event._tag === "RollUpAnomaly")

        expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.workspaceId])).toEqual([["self-claim", SELF]])
        expect(anomalies[0]?.ledgerPath).toMatch(new RegExp(`sessions/${SELF}/session-usage\\.json$`))
      }))
  })
}
