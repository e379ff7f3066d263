import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as NodePath from "@effect/platform-node/NodePath"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Chunk, ConfigProvider, Effect, Either, Layer, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { collectEvents, type CollectOptions } from "../src/collect/collectEvents.js"
import { collectRecords } from "../src/collect/collectRecords.js"
import type { HomeNotFound, LedgerFileError, NoHomeFound } from "../src/domain/errors.js"
import type {
  CollectorEvent,
  FolderSkipped,
  HomeOpened,
  LedgerCounted,
  LedgerFailed
} from "../src/domain/Outcome.js"
import { totalTokens, type TurnRecord } from "../src/domain/TurnRecord.js"
import { NodeCollectorLayer } from "../src/layers.js"
import { readLedger } from "../src/read/readLedger.js"
import { makeMemoryFileSystem, type MemoryTreeSpec } from "./support/MemoryFileSystem.js"

// == Trees built the same way in memory and on disk

/** One entry of a test tree; keys of a `Tree` are POSIX paths relative to the tree's base folder. */
type TreeEntry =
  | string
  | Uint8Array
  | { readonly content: string | Uint8Array; readonly mtime?: Date }
  | { readonly directory: true }
  | { readonly symlink: string }

type Tree = Readonly<Record<string, TreeEntry>>

interface BuiltTree {
  /** Absolute path of the folder the tree's keys are relative to. */
  readonly base: string
  readonly layer: Layer.Layer<FileSystem.FileSystem | Path.Path>
  /** Write-family calls seen by the layer, where the layer can count them. */
  readonly writeCalls: (() => number) | undefined
}

interface Backend {
  readonly name: string
  readonly build: (tree: Tree, memoryOnly?: MemoryTreeSpec) => BuiltTree
}

const memoryBackend: Backend = {
  name: "memory layer",
  build: (tree, memoryOnly = {}) => {
    const base = "/tree"
    const spec: Record<string, MemoryTreeSpec[string]> = {}
    for (const [relative, entry] of Object.entries(tree)) spec[`${base}/${relative}`] = entry
    for (const [relative, entry] of Object.entries(memoryOnly)) spec[`${base}/${relative}`] = entry
    const memory = makeMemoryFileSystem(spec)
    return { base, layer: Layer.merge(memory.layer, NodePath.layer), writeCalls: memory.writeCalls }
  }
}

const temporaryFolders: Array<string> = []
afterAll(() => {
  for (const folder of temporaryFolders) fs.rmSync(folder, { recursive: true, force: true })
})

/** Writes `tree` below a new temporary folder. */
const writeTree = (tree: Tree): string => {
  // realpath: the temporary folder itself can be reached through a link (macOS /var).
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "mux-collector-pipeline-")))
  temporaryFolders.push(base)
  for (const [relative, entry] of Object.entries(tree)) {
    const target = path.join(base, relative)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    if (typeof entry === "string" || entry instanceof Uint8Array) {
      fs.writeFileSync(target, entry)
    } else if ("symlink" in entry) {
      fs.symlinkSync(entry.symlink, target)
    } else if ("directory" in entry) {
      fs.mkdirSync(target, { recursive: true })
    } else {
      fs.writeFileSync(target, entry.content)
      if (entry.mtime !== undefined) fs.utimesSync(target, entry.mtime, entry.mtime)
    }
  }
  return base
}

const nodeBackend: Backend = {
  name: "Node layer",
  build: (tree) => ({ base: writeTree(tree), layer: NodeCollectorLayer, writeCalls: undefined })
}

// == Ledger text

type Tokens = readonly [input: number, cached: number, cacheCreate: number, output: number, reasoning: number]

const bucketNames = ["input", "cached", "cacheCreate", "output", "reasoning"] as const

/** A priced model entry with these bucket tokens and one cent per bucket. */
const pricedEntry = (tokens: Tokens) =>
  Object.fromEntries(bucketNames.map((name, index) => [name, { tokens: tokens[index], cost_usd: 0.01 }]))

const LAST_REQUEST_MS = Date.UTC(2026, 10, 2, 9, 14, 0)

/** Ledger text as Mux formats it, with `lastRequest` at `LAST_REQUEST_MS`. */
const ledgerText = (byModel: Record<string, unknown>): string =>
  JSON.stringify(
    { byModel, lastRequest: { model: Object.keys(byModel)[0], timestamp: LAST_REQUEST_MS }, version: 1 },
    null,
    2
  )

/** Ledger text without `lastRequest`, as after background calls only. */
const undatedLedgerText = (byModel: Record<string, unknown>): string =>
  JSON.stringify({ byModel, version: 1 }, null, 2)

const SONNET_TOKENS: Tokens = [4000, 100000, 8000, 2000, 0]
const CODEX_TOKENS: Tokens = [10000, 40000, 0, 3000, 1000]
const sum = (tokens: Tokens) => tokens.reduce((total, value) => total + value, 0)

const GOOD_LEDGER = ledgerText({ "anthropic:claude-sonnet-4-5": pricedEntry(SONNET_TOKENS) })
const OTHER_GOOD_LEDGER = ledgerText({ "openai:gpt-5.1-codex": pricedEntry(CODEX_TOKENS) })

const ledgerPath = (home: string, workspaceId: string) => `${home}/sessions/${workspaceId}/session-usage.json`

// == Running the pipeline

const collect = (
  built: BuiltTree,
  options: CollectOptions
): Effect.Effect<ReadonlyArray<CollectorEvent>, HomeNotFound | NoHomeFound> =>
  Stream.runCollect(collectEvents(options)).pipe(Effect.map(Chunk.toReadonlyArray), Effect.provide(built.layer))

/** Collects from the tree's default homes, with only the given environment variables set. */
const collectWithEnv = (
  built: BuiltTree,
  env: Record<string, string>
): Effect.Effect<ReadonlyArray<CollectorEvent>, HomeNotFound | NoHomeFound> =>
  collect(built, {}).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

const countedOf = (events: ReadonlyArray<CollectorEvent>) =>
  events.filter((event): event is LedgerCounted => event._tag === "LedgerCounted")

const failedOf = (events: ReadonlyArray<CollectorEvent>) =>
  events.filter((event): event is LedgerFailed => event._tag === "LedgerFailed")

const homesOf = (events: ReadonlyArray<CollectorEvent>) =>
  events.filter((event): event is HomeOpened => event._tag === "HomeOpened")

const recordsOf = (events: ReadonlyArray<CollectorEvent>): Array<TurnRecord> =>
  countedOf(events).flatMap((event) => [...event.records])

const tokensOf = (records: ReadonlyArray<TurnRecord>) =>
  records.reduce((total, record) => total + totalTokens(record.usage), 0)

/** Asserts that exactly one ledger failed and returns its error. */
const onlyFailure = (events: ReadonlyArray<CollectorEvent>): LedgerFileError => {
  const failed = failedOf(events)
  expect(failed).toHaveLength(1)
  const [first] = failed
  if (first === undefined) throw new Error("no failed ledger")
  return first.error
}

/** Builds a home at `.mux` with one good workspace beside the workspace under test. */
const homeWith = (workspaceId: string, entries: Tree): Tree => ({
  ".mux/sessions/a000000001/session-usage.json": GOOD_LEDGER,
  ...Object.fromEntries(
    Object.entries(entries).map(([relative, entry]) => [`.mux/sessions/${workspaceId}/${relative}`, entry])
  )
})

/** The symbolic-link layout the upgrade to Xum leaves: `.mux` and `.cmux` point at `.xum`. */
const LINKED_HOMES: Tree = {
  "home/.xum/config.json": "{\"projects\":[]}",
  "home/.xum/sessions/3a4b5c6d7e/session-usage.json": GOOD_LEDGER,
  "home/.xum/sessions/8f9e0d1c2b/session-usage.json": OTHER_GOOD_LEDGER,
  "home/.mux": { symlink: ".xum" },
  "home/.cmux": { symlink: ".xum" }
}

const LINKED_TOKENS = sum(SONNET_TOKENS) + sum(CODEX_TOKENS)

/** Every kind of broken ledger beside three good ones. */
const MIXED_HOME: Tree = {
  ".mux/sessions/b000000001/session-usage.json": GOOD_LEDGER,
  ".mux/sessions/b000000002/chat.jsonl": "{}\n",
  ".mux/sessions/b000000003/session-usage.json": { directory: true },
  ".mux/sessions/b000000004/session-usage.json": { symlink: "gone.json" },
  ".mux/sessions/b000000005/session-usage.json": GOOD_LEDGER.slice(0, 40),
  ".mux/sessions/b000000006/session-usage.json": "{\"version\":1}",
  ".mux/sessions/b000000007/session-usage.json": "{\"byModel\":{},\"version\":2}",
  ".mux/sessions/b000000008/session-usage.json": OTHER_GOOD_LEDGER,
  ".mux/sessions/b000000009/session-usage.json": "",
  ".mux/sessions/b00000000a/session-usage.json": ledgerText({
    "openai:gpt-5.1-codex": pricedEntry(CODEX_TOKENS),
    "bad:entry": { ...pricedEntry(CODEX_TOKENS), input: { tokens: "12" } }
  }),
  ".mux/sessions/README.txt": "not a workspace"
}

const MIXED_GOOD_TOKENS = sum(SONNET_TOKENS) + 2 * sum(CODEX_TOKENS)

/** Asserts the error's tag and narrows the error to that class. */
const expectTag = <E extends { readonly _tag: string }, T extends E["_tag"]>(
  error: E,
  tag: T
): Extract<E, { readonly _tag: T }> => {
  expect(error._tag).toBe(tag)
  return error as Extract<E, { readonly _tag: T }>
}

// == Tests on both layers

describe.each([memoryBackend, nodeBackend])("collectEvents on $name", (backend) => {
  const home = (built: BuiltTree) => `${built.base}/.mux`

  it.live("counts a good ledger", () => {
    const built = backend.build({ ".mux/sessions/a000000001/session-usage.json": GOOD_LEDGER })
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: [home(built)] })
      const records = recordsOf(events)
      expect(records).toHaveLength(1)
      expect(tokensOf(records)).toBe(sum(SONNET_TOKENS))
      expect(records[0]?.sessionPath).toBe(ledgerPath(home(built), "a000000001"))
    })
  })

  it.live("missing ledger", () => {
    const built = backend.build(homeWith("c000000001", { "chat.jsonl": "{}\n" }))
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)] }))
      expect(error._tag).toBe("LedgerMissing")
      expect(error.path).toBe(ledgerPath(home(built), "c000000001"))
      expect(error.workspaceId).toBe("c000000001")
    })
  })

  it.live("ledger is a folder", () => {
    const built = backend.build(homeWith("c000000002", { "session-usage.json": { directory: true } }))
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)] }))
      expect(error._tag).toBe("LedgerUnreadable")
      expect(expectTag(error, "LedgerUnreadable").reason).toContain("folder")
    })
  })

  it.live("dangling symbolic link", () => {
    const built = backend.build(homeWith("c000000003", { "session-usage.json": { symlink: "moved-away.json" } }))
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)] }))
      expect(error._tag).toBe("LedgerUnreadable")
      expect(expectTag(error, "LedgerUnreadable").reason).toContain("symbolic link to moved-away.json")
    })
  })

  it.live("dangling workspace folder link", () => {
    const built = backend.build({
      ".mux/config.json": "{}",
      ".mux/sessions/c000000006": { symlink: "../moved-away" }
    })
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)] }))
      expect(error._tag).toBe("LedgerUnreadable")
      expect(expectTag(error, "LedgerUnreadable").reason).toContain("workspace folder is a symbolic link to ../moved-away")
    })
  })

  it.live("symbolic link loop", () => {
    const built = backend.build(homeWith("c000000004", { "session-usage.json": { symlink: "session-usage.json" } }))
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)] }))
      expect(error._tag).toBe("LedgerUnreadable")
      expect(expectTag(error, "LedgerUnreadable").reason).toContain("loop")
    })
  })

  it.live("ledger too large", () => {
    const built = backend.build({ ".mux/sessions/c000000005/session-usage.json": GOOD_LEDGER })
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)], maxLedgerBytes: 64 }))
      expect(error._tag).toBe("LedgerTooLarge")
      expect(expectTag(error, "LedgerTooLarge").sizeBytes).toBe(Buffer.byteLength(GOOD_LEDGER))
      expect(expectTag(error, "LedgerTooLarge").limitBytes).toBe(64)
    })
  })

  it.live("limit equal to size reads", () => {
    const built = backend.build({ ".mux/sessions/c000000005/session-usage.json": GOOD_LEDGER })
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: [home(built)], maxLedgerBytes: Buffer.byteLength(GOOD_LEDGER) })
      expect(failedOf(events)).toEqual([])
      expect(recordsOf(events)).toHaveLength(1)
    })
  })

  it.live("malformed ledger", () => {
    const built = backend.build(homeWith("c000000006", { "session-usage.json": GOOD_LEDGER.slice(0, 50) }))
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)] }))
      expect(error._tag).toBe("LedgerMalformed")
      expect(expectTag(error, "LedgerMalformed").kind).toBe("truncated")
    })
  })

  it.live("ledger without byModel", () => {
    const built = backend.build(homeWith("c000000007", { "session-usage.json": "{\"version\":1,\"lastRequest\":{}}" }))
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: [home(built)] }))
      expect(error._tag).toBe("LedgerWithoutByModel")
    })
  })

  it.live("unsupported version", () => {
    const text = JSON.stringify({ byModel: { "m:x": pricedEntry(CODEX_TOKENS) }, version: 2 })
    const built = backend.build(homeWith("c000000008", { "session-usage.json": text }))
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: [home(built)] })
      const error = onlyFailure(events)
      expect(error._tag).toBe("LedgerVersionUnsupported")
      expect(tokensOf(recordsOf(events))).toBe(sum(SONNET_TOKENS))
    })
  })

  it.live("invalid entry skipped, rest counted", () => {
    const text = ledgerText({
      "openai:gpt-5.1-codex": pricedEntry(CODEX_TOKENS),
      "bad:entry": { ...pricedEntry(CODEX_TOKENS), reasoning: { tokens: null } }
    })
    const built = backend.build({ ".mux/sessions/c000000009/session-usage.json": text })
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: [home(built)] })
      const [counted] = countedOf(events)
      expect(failedOf(events)).toEqual([])
      expect(counted?.invalidEntries.map((error) => [error.modelKey, error.field])).toEqual([
        ["bad:entry", "reasoning.tokens"]
      ])
      expect(counted?.records.map((record) => record.modelKey)).toEqual(["openai:gpt-5.1-codex"])
    })
  })

  it.live("bad files beside good lose nothing", () => {
    const built = backend.build(MIXED_HOME)
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: [home(built)] })
      expect(countedOf(events).map((event) => event.folder.workspaceId).sort()).toEqual([
        "b000000001",
        "b000000008",
        "b00000000a"
      ])
      expect(tokensOf(recordsOf(events))).toBe(MIXED_GOOD_TOKENS)
      expect(failedOf(events).map((event) => event.error._tag).sort()).toEqual([
        "LedgerMalformed",
        "LedgerMalformed",
        "LedgerMissing",
        "LedgerUnreadable",
        "LedgerUnreadable",
        "LedgerVersionUnsupported",
        "LedgerWithoutByModel"
      ])
    })
  })

  it.live("file in sessions is skipped", () => {
    const built = backend.build({
      ".mux/sessions/a000000001/session-usage.json": GOOD_LEDGER,
      ".mux/sessions/notes.txt": "a note"
    })
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: [home(built)] })
      const skipped = events.filter((event): event is FolderSkipped => event._tag === "FolderSkipped")
      expect(skipped.map((event) => event.folder.workspaceId)).toEqual(["notes.txt"])
      expect(failedOf(events)).toEqual([])
      expect(recordsOf(events)).toHaveLength(1)
    })
  })

  it.live("leading BOM is read", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD_LEDGER)])
    const built = backend.build({ ".mux/sessions/c00000000b/session-usage.json": new Uint8Array(bytes) })
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: [home(built)] })
      expect(failedOf(events)).toEqual([])
      expect(tokensOf(recordsOf(events))).toBe(sum(SONNET_TOKENS))
    })
  })

  it.live("readLedger drops the BOM", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD_LEDGER)])
    const built = backend.build({ ".mux/sessions/c00000000b/session-usage.json": new Uint8Array(bytes) })
    const folderPath = `${home(built)}/sessions/c00000000b`
    const folder = { home: home(built), workspaceId: "c00000000b", folderPath, ledgerPath: `${folderPath}/session-usage.json` }
    return Effect.gen(function*() {
      const file = yield* readLedger(folder)
      expect(file.text).toBe(GOOD_LEDGER)
    }).pipe(Effect.provide(built.layer))
  })

  it.live("dates ledger by mtime", () => {
    const mtime = new Date(Date.UTC(2026, 8, 1, 12, 0, 0))
    const text = undatedLedgerText({ "m:x": pricedEntry(CODEX_TOKENS) })
    const built = backend.build({ ".mux/sessions/c00000000c/session-usage.json": { content: text, mtime } })
    return Effect.gen(function*() {
      const [record] = recordsOf(yield* collect(built, { roots: [home(built)] }))
      expect(record?.tsSource).toBe("file-mtime")
      expect(record?.ts).toBe(mtime.toISOString())
    })
  })

  it.live("dates ledger by last request", () => {
    const built = backend.build({ ".mux/sessions/a000000001/session-usage.json": GOOD_LEDGER })
    return Effect.gen(function*() {
      const [record] = recordsOf(yield* collect(built, { roots: [home(built)] }))
      expect(record?.tsSource).toBe("last-request")
      expect(record?.ts).toBe(new Date(LAST_REQUEST_MS).toISOString())
    })
  })

  it.live("missing explicit root fails", () => {
    const built = backend.build({ ".mux/sessions/a000000001/session-usage.json": GOOD_LEDGER })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(collect(built, { roots: [`${built.base}/.nothing`] }))
      expect(error._tag).toBe("HomeNotFound")
      expect(expectTag(error, "HomeNotFound").path).toBe(`${built.base}/.nothing`)
    })
  })

  describe("linked homes", () => {
    const expectOneHome = (built: BuiltTree, events: ReadonlyArray<CollectorEvent>) => {
      const homes = homesOf(events)
      expect(homes.map((event) => event.home.path)).toEqual([`${built.base}/home/.xum`])
      expect(countedOf(events)).toHaveLength(2)
      expect(tokensOf(recordsOf(events))).toBe(LINKED_TOKENS)
    }

    it.live("roots given three ways", () => {
      const built = backend.build(LINKED_HOMES)
      const roots = [".mux", ".xum", ".cmux"].map((name) => `${built.base}/home/${name}`)
      return Effect.gen(function*() {
        const events = yield* collect(built, { roots })
        expectOneHome(built, events)
        expect(homesOf(events)[0]?.home.aliases).toEqual(roots)
      })
    })

    it.live("default homes from HOME", () => {
      const built = backend.build(LINKED_HOMES)
      return Effect.gen(function*() {
        const events = yield* collectWithEnv(built, { HOME: `${built.base}/home` })
        expectOneHome(built, events)
        expect(homesOf(events)[0]?.home.aliases).toEqual(
          [".xum", ".mux", ".cmux"].map((name) => `${built.base}/home/${name}`)
        )
      })
    })

    it.live("MUX_ROOT names a link", () => {
      const built = backend.build(LINKED_HOMES)
      return Effect.gen(function*() {
        const events = yield* collectWithEnv(built, {
          HOME: `${built.base}/home`,
          MUX_ROOT: `${built.base}/home/.mux`
        })
        expectOneHome(built, events)
      })
    })

    it.live("XUM_ROOT and MUX_ROOT together", () => {
      const built = backend.build(LINKED_HOMES)
      return Effect.gen(function*() {
        const events = yield* collectWithEnv(built, {
          HOME: `${built.base}/home`,
          XUM_ROOT: `${built.base}/home/.cmux`,
          MUX_ROOT: `${built.base}/home/.mux`
        })
        expectOneHome(built, events)
      })
    })

    it.live("no default home fails", () => {
      const built = backend.build({ "empty/.keep": "" })
      return Effect.gen(function*() {
        const error = yield* Effect.flip(collectWithEnv(built, { HOME: `${built.base}/empty` }))
        expect(error._tag).toBe("NoHomeFound")
      })
    })
  })
})

// == Tests on the memory layer only

describe("collectEvents memory-only cases", () => {
  it.live("permission denied", () => {
    // Only the memory layer can deny a read here: tests often run as root, and root
    // reads a file whatever its mode, so chmod 000 on a temporary file proves nothing.
    const built = memoryBackend.build(
      { ".mux/sessions/a000000001/session-usage.json": GOOD_LEDGER },
      { ".mux/sessions/d000000001/session-usage.json": { content: GOOD_LEDGER, permissionDenied: true } }
    )
    return Effect.gen(function*() {
      const error = onlyFailure(yield* collect(built, { roots: ["/tree/.mux"] }))
      expect(error._tag).toBe("LedgerUnreadable")
      expect(expectTag(error, "LedgerUnreadable").reason).toBe("permission denied")
      expect(error.workspaceId).toBe("d000000001")
    })
  })

  it.live("collectEvents never writes", () => {
    const built = memoryBackend.build({ ...MIXED_HOME, ...LINKED_HOMES })
    return Effect.gen(function*() {
      const events = yield* collect(built, { roots: ["/tree/.mux", "/tree/home/.mux", "/tree/home/.xum"] })
      expect(countedOf(events)).toHaveLength(5)
      expect(built.writeCalls?.()).toBe(0)
    })
  })

  it.live("collectRecords never writes", () => {
    const built = memoryBackend.build(MIXED_HOME)
    return Effect.gen(function*() {
      const values = yield* Stream.runCollect(collectRecords({ roots: ["/tree/.mux"] })).pipe(
        Effect.map(Chunk.toReadonlyArray),
        Effect.provide(built.layer)
      )
      const records = values.filter(Either.isRight).map((value) => value.right)
      const errors = values.filter(Either.isLeft).map((value) => value.left)
      expect(tokensOf(records)).toBe(MIXED_GOOD_TOKENS)
      expect(errors.map((error) => error.code).sort()).toEqual([
        "config-unusable",
        "ledger-malformed",
        "ledger-malformed",
        "ledger-missing",
        "ledger-no-by-model",
        "ledger-unreadable",
        "ledger-unreadable",
        "ledger-version-unsupported",
        "model-entry-invalid"
      ])
      expect(built.writeCalls?.()).toBe(0)
    })
  })
})
