import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { CollectorEvent, HomeOpened } from "../src/domain/Outcome.js"
import { runCli } from "./support/cli.js"
import {
  BACKENDS,
  collectTree,
  configJson,
  countedTokens,
  inFolder,
  ledgerJson,
  makeTempTree,
  removeTree,
  setAsideOf,
  type Tree
} from "./support/homeTree.js"

// == Trees. Token totals are summed by hand from the entries.

const PROJECT = "/home/ana/src/shop"

/** `.xum` is the real home, and `.mux` and `.cmux` are links to it, as the upgrade to Xum leaves them. */
const SYMLINKED: Tree = {
  ".xum/config.json": configJson([[PROJECT, [{ id: "3a4b5c6d7e", name: "one" }, { id: "8f9e0d1c2b", name: "two" }]]]),
  // 114,000 tokens
  ".xum/sessions/3a4b5c6d7e/session-usage.json": ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": { tokens: [4000, 100000, 8000, 2000, 0], usd: 0.125 } },
    lastRequestMs: 1788000000000
  }),
  // 54,000 tokens
  ".xum/sessions/8f9e0d1c2b/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.1-codex": { tokens: [10000, 40000, 0, 3000, 1000], usd: 0.0625 } },
    lastRequestMs: 1788000100000
  }),
  ".mux": { symlink: ".xum" },
  ".cmux": { symlink: ".xum" }
}
const SYMLINKED_TOTAL = 114000 + 54000

const COPIED = "1234567890"

/** A copy of one workspace's ledger: `tokens` tokens of one model, dated when given. */
const copyLedger = (tokens: number, lastRequestMs: number | undefined) =>
  ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": { tokens: [tokens, 0, 0, 0, 0], usd: 0.25 } },
    ...(lastRequestMs === undefined ? {} : { lastRequestMs })
  })

/**
 * Two real homes that both hold workspace 1234567890, each with one workspace of its
 * own: 7 tokens in `a`, 11 tokens in `b`.
 */
const twoHomes = (copyInA: string, copyInB: string): Tree => ({
  "a/.mux/config.json": configJson([[PROJECT, [{ id: COPIED, name: "copied" }, { id: "aaaaaaaaaa", name: "a-only" }]]]),
  [`a/.mux/sessions/${COPIED}/session-usage.json`]: copyInA,
  "a/.mux/sessions/aaaaaaaaaa/session-usage.json": copyLedger(7, 1788000000000),
  "b/.xum/config.json": configJson([[PROJECT, [{ id: COPIED, name: "copied" }, { id: "bbbbbbbbbb", name: "b-only" }]]]),
  [`b/.xum/sessions/${COPIED}/session-usage.json`]: copyInB,
  "b/.xum/sessions/bbbbbbbbbb/session-usage.json": copyLedger(11, 1788000000000)
})

interface DuplicateCase {
  readonly name: string
  readonly tree: Tree
  /** The home whose copy counts. */
  readonly kept: "a/.mux" | "b/.xum"
  readonly keptTokens: number
}

const DUPLICATE_CASES: ReadonlyArray<DuplicateCase> = [
  {
    name: "later last request",
    tree: twoHomes(copyLedger(500, 1788000000000), copyLedger(300, 1788000999999)),
    kept: "b/.xum",
    keptTokens: 300
  },
  {
    name: "larger total undated",
    tree: twoHomes(copyLedger(500, undefined), copyLedger(300, undefined)),
    kept: "a/.mux",
    keptTokens: 500
  },
  {
    name: "larger total same date",
    tree: twoHomes(copyLedger(300, 1788000000000), copyLedger(500, 1788000000000)),
    kept: "b/.xum",
    keptTokens: 500
  },
  {
    name: "dated beats undated",
    tree: twoHomes(copyLedger(300, 1788000000000), copyLedger(500, undefined)),
    kept: "a/.mux",
    keptTokens: 300
  }
]

const ledgerPath = (base: string, home: string, workspaceId: string) => `${base}/${home}/sessions/${workspaceId}/session-usage.json`

/** Home `b` whose workspace folder is a link to the same folder in home `a`. */
const LINKED_FOLDER: Tree = {
  "a/.mux/config.json": configJson([[PROJECT, [{ id: COPIED, name: "copied" }]]]),
  [`a/.mux/sessions/${COPIED}/session-usage.json`]: copyLedger(500, 1788000000000),
  "b/.mux/config.json": configJson([[PROJECT, [{ id: COPIED, name: "copied" }]]]),
  [`b/.mux/sessions/${COPIED}`]: { symlink: `../../../a/.mux/sessions/${COPIED}` }
}

/** One home where a link to a listed workspace folder sorts before the folder itself. */
const LINK_SORTS_FIRST: Tree = {
  "a/.mux/config.json": configJson([[PROJECT, [{ id: COPIED, name: "copied" }]]]),
  [`a/.mux/sessions/${COPIED}/session-usage.json`]: copyLedger(500, 1788000000000),
  "a/.mux/sessions/0000000000": { symlink: COPIED }
}

/** A parent copied into two homes, the later copy in `b`, and its rolled-up child left on disk in `a`. */
const COPIED_PARENT: Tree = {
  "a/.mux/config.json": configJson([[PROJECT, [{ id: COPIED, name: "parent" }]]]),
  [`a/.mux/sessions/${COPIED}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": { tokens: [500, 0, 0, 0, 0], usd: 0.25 } },
    lastRequestMs: 1788000000000,
    rolledUpFrom: { cccccccccc: { totalTokens: 200 } }
  }),
  "a/.mux/sessions/cccccccccc/session-usage.json": copyLedger(200, 1787000000000),
  "b/.xum/config.json": configJson([[PROJECT, [{ id: COPIED, name: "parent" }]]]),
  [`b/.xum/sessions/${COPIED}/session-usage.json`]: ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": { tokens: [600, 0, 0, 0, 0], usd: 0.25 } },
    lastRequestMs: 1788000999999,
    rolledUpFrom: { cccccccccc: { totalTokens: 200 } }
  })
}

// == Helpers

const homesOf = (events: ReadonlyArray<CollectorEvent>): Array<HomeOpened> =>
  events.filter((event): event is HomeOpened => event._tag === "HomeOpened")

const countedLedgers = (events: ReadonlyArray<CollectorEvent>): Array<string> =>
  events.flatMap((event) => (event._tag === "LedgerCounted" ? [event.folder.ledgerPath] : [])).sort()

// == Library, on both file systems

for (const backend of BACKENDS) {
  describe(`duplicate homes (${backend})`, () => {
    it.live("symlinked homes open once", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, SYMLINKED, [".mux", ".xum", ".cmux"])
        const homes = homesOf(events)
        expect(homes.map((opened) => opened.home.path)).toEqual([`${base}/.xum`])
        expect(homes[0]?.home.aliases).toEqual([`${base}/.mux`, `${base}/.xum`, `${base}/.cmux`])
      }))

    it.live("symlinked homes count once", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, SYMLINKED, [".mux", ".xum", ".cmux"])
        expect(countedLedgers(events)).toEqual([
          ledgerPath(base, ".xum", "3a4b5c6d7e"),
          ledgerPath(base, ".xum", "8f9e0d1c2b")
        ])
        expect(countedTokens(events)).toBe(SYMLINKED_TOTAL)
        expect(setAsideOf(events)).toEqual([])
      }))

    it.live("link alone resolves to real home", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, SYMLINKED, [".cmux"])
        expect(homesOf(events).map((opened) => opened.home.path)).toEqual([`${base}/.xum`])
        expect(countedTokens(events)).toBe(SYMLINKED_TOTAL)
      }))

    for (const testCase of DUPLICATE_CASES) {
      for (const order of [["a/.mux", "b/.xum"], ["b/.xum", "a/.mux"]] as const) {
        const label = `${testCase.name}, ${order[0].charAt(0)} first`
        const lost = testCase.kept === "a/.mux" ? "b/.xum" : "a/.mux"

        it.live(`copy kept by ${label}`, () =>
          Effect.gen(function*() {
            const { base, events } = yield* collectTree(backend, testCase.tree, order)
            expect(countedLedgers(events)).toEqual([
              ledgerPath(base, testCase.kept, COPIED),
              ledgerPath(base, "a/.mux", "aaaaaaaaaa"),
              ledgerPath(base, "b/.xum", "bbbbbbbbbb")
            ].sort())
            expect(countedTokens(events)).toBe(testCase.keptTokens + 7 + 11)
          }))

        it.live(`copy set aside by ${label}`, () =>
          Effect.gen(function*() {
            const { base, events } = yield* collectTree(backend, testCase.tree, order)
            const setAside = setAsideOf(events)
            expect(setAside.map((event) => event.folder.ledgerPath)).toEqual([ledgerPath(base, lost, COPIED)])
            expect(setAside[0]?.reason).toEqual({
              kind: "duplicate-workspace",
              keptLedgerPath: ledgerPath(base, testCase.kept, COPIED)
            })
          }))
      }
    }

    it.live("linked workspace folder counts once", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, LINKED_FOLDER, ["a/.mux", "b/.mux"])
        expect(countedLedgers(events)).toEqual([ledgerPath(base, "a/.mux", COPIED)])
        expect(setAsideOf(events).map((event) => [event.folder.ledgerPath, event.reason])).toEqual([
          [ledgerPath(base, "b/.mux", COPIED), { kind: "same-file", keptLedgerPath: ledgerPath(base, "a/.mux", COPIED) }]
        ])
      }))

    it.live("listed folder wins over link sorting first", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, LINK_SORTS_FIRST, ["a/.mux"])
        expect(countedLedgers(events)).toEqual([ledgerPath(base, "a/.mux", COPIED)])
        expect(setAsideOf(events).map((event) => [event.folder.ledgerPath, event.reason])).toEqual([
          [ledgerPath(base, "a/.mux", "0000000000"), { kind: "same-file", keptLedgerPath: ledgerPath(base, "a/.mux", COPIED) }]
        ])
      }))

    it.live("copied parent sets child aside once", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, COPIED_PARENT, ["a/.mux", "b/.xum"])
        expect(countedLedgers(events)).toEqual([ledgerPath(base, "b/.xum", COPIED)])
        expect(countedTokens(events)).toBe(600)
      }))

    it.live("child names counted parent copy", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, COPIED_PARENT, ["a/.mux", "b/.xum"])
        const child = setAsideOf(events).find((event) => event.folder.workspaceId === "cccccccccc")
        expect(child?.reason).toEqual({
          kind: "rolled-up",
          parentWorkspaceId: COPIED,
          parentLedgerPath: ledgerPath(base, "b/.xum", COPIED)
        })
      }))
  })
}

// == CLI

describe("duplicate homes through the CLI", () => {
  let base = ""
  beforeAll(() => {
    base = makeTempTree({
      ...inFolder("linked", SYMLINKED),
      ...inFolder("copies", DUPLICATE_CASES[0]?.tree ?? {})
    }, "mux-homes-cli-")
  })
  afterAll(() => removeTree(base))

  const totalOf = (stdout: string) => (JSON.parse(stdout) as { totals: { totalTokens: number } }).totals.totalTokens

  it("explicit linked roots count once", async () => {
    const roots = [".mux", ".xum", ".cmux"].flatMap((home) => ["--root", `${base}/linked/${home}`])
    const result = await runCli(["summary", ...roots, "--json"])
    expect(result.status).toBe(0)
    expect(totalOf(result.stdout)).toBe(SYMLINKED_TOTAL)
  })

  it("default homes count once", async () => {
    const result = await runCli(["summary", "--json"], {
      env: { HOME: `${base}/linked`, XUM_ROOT: undefined, MUX_ROOT: undefined }
    })
    expect(result.status).toBe(0)
    expect(totalOf(result.stdout)).toBe(SYMLINKED_TOTAL)
  })

  it("MUX_ROOT link counts once", async () => {
    const result = await runCli(["summary", "--json"], {
      env: { HOME: `${base}/linked`, XUM_ROOT: undefined, MUX_ROOT: `${base}/linked/.mux` }
    })
    expect(totalOf(result.stdout)).toBe(SYMLINKED_TOTAL)
  })

  it("check names real home and links", async () => {
    const result = await runCli(["check"], { env: { HOME: `${base}/linked`, XUM_ROOT: undefined, MUX_ROOT: undefined } })
    expect(result.status).toBe(0)
    const homeLines = result.stdout.split("\n").filter((line) => line.startsWith("home "))
    expect(homeLines).toEqual([
      `home ${base}/linked/.xum (also reached as ${base}/linked/.mux, ${base}/linked/.cmux, which resolve to it)`
    ])
  })

  it("check names set-aside copy", async () => {
    const result = await runCli(["check", "--root", `${base}/copies/a/.mux`, "--root", `${base}/copies/b/.xum`])
    expect(result.status).toBe(0)
    const line = result.stdout.split("\n").find((text) => text.startsWith("set aside"))
    expect(line).toBe(
      `set aside  ${ledgerPath(`${base}/copies`, "a/.mux", COPIED)}: a copy of the same workspace in another home; the copy at ${
        ledgerPath(`${base}/copies`, "b/.xum", COPIED)
      } is counted because its last request is later or its total larger`
    )
    expect(result.stdout).toContain("3 ledgers counted")
    expect(result.stdout).toContain("1 set aside (0 rolled up, 1 copies)")
  })

  it("summary counts copy once", async () => {
    const result = await runCli(["summary", "--root", `${base}/copies/a/.mux`, "--root", `${base}/copies/b/.xum`, "--json"])
    expect(totalOf(result.stdout)).toBe(300 + 7 + 11)
    expect(result.stderr).toContain("1 ledgers were set aside as copies")
  })
})

// == Links to workspace folders, on the real file system, which reports which entries are links

describe("a workspace folder link never wins over its target", () => {
  const REAL = "good000001"
  const real = copyLedger(500, 1788000000000)
  const cases: ReadonlyArray<{ name: string; tree: Tree; roots: ReadonlyArray<string>; kept: string; copy: string }> = [
    {
      name: "no config.json",
      tree: { [`a/.mux/sessions/${REAL}/session-usage.json`]: real, "a/.mux/sessions/0000000000": { symlink: REAL } },
      roots: ["a/.mux"],
      kept: `a/.mux/sessions/${REAL}`,
      copy: "a/.mux/sessions/0000000000"
    },
    {
      name: "neither listed",
      tree: {
        "a/.mux/config.json": configJson([[PROJECT, [{ id: "other00001" }]]]),
        [`a/.mux/sessions/${REAL}/session-usage.json`]: real,
        "a/.mux/sessions/0000000000": { symlink: REAL }
      },
      roots: ["a/.mux"],
      kept: `a/.mux/sessions/${REAL}`,
      copy: "a/.mux/sessions/0000000000"
    },
    {
      name: "both listed",
      tree: {
        "a/.mux/config.json": configJson([[PROJECT, [{ id: REAL }, { id: "0000000000" }]]]),
        [`a/.mux/sessions/${REAL}/session-usage.json`]: real,
        "a/.mux/sessions/0000000000": { symlink: REAL }
      },
      roots: ["a/.mux"],
      kept: `a/.mux/sessions/${REAL}`,
      copy: "a/.mux/sessions/0000000000"
    },
    {
      name: "link in the first home",
      tree: {
        "c/.mux/config.json": configJson([[PROJECT, [{ id: "link000001", title: "link" }]]]),
        "c/.mux/sessions/link000001": { symlink: `../../../a/.mux/sessions/${REAL}` },
        "a/.mux/config.json": configJson([[PROJECT, [{ id: REAL, title: "real" }]]]),
        [`a/.mux/sessions/${REAL}/session-usage.json`]: real
      },
      roots: ["c/.mux", "a/.mux"],
      kept: `a/.mux/sessions/${REAL}`,
      copy: "c/.mux/sessions/link000001"
    }
  ]

  for (const testCase of cases) {
    it.live(`real folder counts: ${testCase.name}`, () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree("node", testCase.tree, testCase.roots)

        expect(countedLedgers(events)).toEqual([`${base}/${testCase.kept}/session-usage.json`])
        expect(setAsideOf(events).map((event) => [event.folder.ledgerPath, event.reason])).toEqual([
          [`${base}/${testCase.copy}/session-usage.json`, { kind: "same-file", keptLedgerPath: `${base}/${testCase.kept}/session-usage.json` }]
        ])
      }))
  }
})
