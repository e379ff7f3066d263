/**
 * Tests of the collector on homes laid out to hurt it. The ledgers are too large to read,
 * block or never end when read, loop through symbolic links, or stand where folders
 * belong. A ledger is replaced while it is read, a folder is deleted between listing and
 * reading, and a home sits on a path with spaces and non-ASCII characters. Real temporary
 * folders are read through `NodeCollectorLayer`, and the in-memory layer is used where it
 * can prove what was read.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as NodePath from "@effect/platform-node/NodePath"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import { collectEvents } from "../src/collect/collectEvents.js"
import type { CollectorEvent, HomeOpened, LedgerFailed, LedgerOutcome } from "../src/domain/Outcome.js"
import { totalTokens } from "../src/domain/TurnRecord.js"
import { NodeCollectorLayer } from "../src/layers.js"
import { DEFAULT_MAX_LEDGER_BYTES } from "../src/read/readLedger.js"
import { runCli } from "./support/cli.js"
import { makeMemoryFileSystem, type MemoryTreeSpec } from "./support/MemoryFileSystem.js"

// == Helpers

const temporaryFolders: Array<string> = []

/** Creates a temporary folder and returns its real path. Every such folder is removed after the file's tests. */
const makeTempFolder = (): string => {
  const folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "mux-hostile-")))
  temporaryFolders.push(folder)
  return folder
}

afterAll(() => {
  for (const folder of temporaryFolders) fs.rmSync(folder, { recursive: true, force: true })
})

/** Writes a file, creating its parent folders. */
const writeFile = (file: string, content: string | Uint8Array): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
}

/** A ledger as Mux writes it, with one model entry of `tokens` input tokens. */
const ledgerWithInput = (tokens: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify(
    {
      byModel: {
        "anthropic:claude-opus-4-6": {
          input: { tokens, cost_usd: 0.5 },
          cached: { tokens: 0, cost_usd: 0 },
          cacheCreate: { tokens: 0, cost_usd: 0 },
          output: { tokens: 10, cost_usd: 0.25 },
          reasoning: { tokens: 0, cost_usd: 0 }
        }
      },
      ...extra,
      version: 1
    },
    null,
    2
  )

const collect = (
  roots: ReadonlyArray<string>,
  layer: Layer.Layer<FileSystem.FileSystem | Path.Path>
): Effect.Effect<Array<CollectorEvent>, unknown> =>
  Stream.runCollect(collectEvents({ roots })).pipe(Effect.map(Chunk.toArray), Effect.provide(layer))

const collectOnDisk = (roots: ReadonlyArray<string>) => collect(roots, NodeCollectorLayer)

const isLedgerOutcome = (event: CollectorEvent): event is LedgerOutcome =>
  event._tag === "LedgerCounted" || event._tag === "LedgerSetAside" || event._tag === "LedgerFailed" ||
  event._tag === "FolderSkipped"

const outcomesFor = (events: ReadonlyArray<CollectorEvent>, workspaceId: string): Array<LedgerOutcome> =>
  events.filter(isLedgerOutcome).filter((event) => event.folder.workspaceId === workspaceId)

/** Returns the one outcome of a workspace, and fails the test when there is none or more than one. */
const onlyOutcome = (events: ReadonlyArray<CollectorEvent>, workspaceId: string): LedgerOutcome => {
  const outcomes = outcomesFor(events, workspaceId)
  expect(outcomes, `outcomes of ${workspaceId}`).toHaveLength(1)
  return outcomes[0]!
}

const failureOf = (outcome: LedgerOutcome): LedgerFailed["error"] | undefined =>
  outcome._tag === "LedgerFailed" ? outcome.error : undefined

const tokensOf = (outcome: LedgerOutcome): number =>
  outcome._tag === "LedgerCounted" ? outcome.records.reduce((sum, record) => sum + totalTokens(record.usage), 0) : -1

/**
 * Builds the in-memory file system with every call that reads a file's content recorded
 * (`readFile`, `readFileString`, `open` and `stream`), so a test can show that a file was
 * never read.
 */
const recordingMemoryLayer = (spec: MemoryTreeSpec) => {
  const memory = makeMemoryFileSystem(spec)
  const contentReads: Array<string> = []
  const record = (file: string) => Effect.sync(() => void contentReads.push(file))
  const inner = memory.fileSystem
  const fileSystem = FileSystem.FileSystem.of({
    ...inner,
    readFile: (file) => Effect.zipRight(record(file), inner.readFile(file)),
    readFileString: (file, encoding) => Effect.zipRight(record(file), inner.readFileString(file, encoding)),
    open: (file, options) => Effect.zipRight(record(file), inner.open(file, options)),
    stream: (file, options) => Stream.unwrap(Effect.as(record(file), inner.stream(file, options)))
  })
  return {
    layer: Layer.merge(Layer.succeed(FileSystem.FileSystem, fileSystem), NodePath.layer),
    contentReads: () => contentReads
  }
}

// == Files too large or not regular

describe("oversized and special ledgers", () => {
  /** 20 MiB of valid JSON: a real ledger with a long padding string. */
  const paddedLedger = ledgerWithInput(1200, { tokenStatsCache: { padding: "x".repeat(20 * 1024 * 1024) } })
  const paddedBytes = Buffer.byteLength(paddedLedger)

  it.effect("20 MiB ledger rejected unread", () =>
    Effect.gen(function*() {
      const ledgerPath = "/home/ana/.mux/sessions/aaaa000001/session-usage.json"
      const memory = recordingMemoryLayer({
        [ledgerPath]: paddedLedger,
        "/home/ana/.mux/sessions/aaaa000002/session-usage.json": ledgerWithInput(5)
      })
      const events = yield* collect(["/home/ana/.mux"], memory.layer)
      const error = failureOf(onlyOutcome(events, "aaaa000001"))
      expect(error?.code).toBe("ledger-too-large")
      expect(error?._tag === "LedgerTooLarge" ? [error.sizeBytes, error.limitBytes] : []).toEqual([
        paddedBytes,
        DEFAULT_MAX_LEDGER_BYTES
      ])
      expect(error?.message).toContain(String(paddedBytes))
      expect(error?.message).toContain(String(DEFAULT_MAX_LEDGER_BYTES))
      expect(memory.contentReads()).not.toContain(ledgerPath)
      expect(tokensOf(onlyOutcome(events, "aaaa000002"))).toBe(15)
    }))

  it.effect("20 MiB ledger on disk", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      writeFile(path.join(home, "sessions/aaaa000001/session-usage.json"), paddedLedger)
      const events = yield* collectOnDisk([home])
      const error = failureOf(onlyOutcome(events, "aaaa000001"))
      expect(error?._tag === "LedgerTooLarge" ? error.sizeBytes : undefined).toBe(paddedBytes)
    }))

  // Reading 5 GiB whole would fail with ERR_FS_FILE_TOO_LARGE (a ledger-unreadable
  // error) or exhaust memory, so a ledger-too-large error shows that only `stat` ran.
  it.effect("sparse 5 GiB ledger", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      const ledgerPath = path.join(home, "sessions/aaaa000001/session-usage.json")
      writeFile(ledgerPath, "")
      fs.truncateSync(ledgerPath, 5 * 1024 ** 3)
      const events = yield* collectOnDisk([home])
      const error = failureOf(onlyOutcome(events, "aaaa000001"))
      expect(error?.code).toBe("ledger-too-large")
      expect(error?._tag === "LedgerTooLarge" ? error.sizeBytes : undefined).toBe(5 * 1024 ** 3)
    }))

  // Opening a FIFO for reading blocks until a writer comes, so this test would hang if the
  // collector read it.
  it.effect("FIFO ledger not opened", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      const ledgerPath = path.join(home, "sessions/aaaa000001/session-usage.json")
      fs.mkdirSync(path.dirname(ledgerPath), { recursive: true })
      execFileSync("mkfifo", [ledgerPath])
      writeFile(path.join(home, "sessions/aaaa000002/session-usage.json"), ledgerWithInput(7))
      const events = yield* collectOnDisk([home])
      const error = failureOf(onlyOutcome(events, "aaaa000001"))
      expect(error?.code).toBe("ledger-unreadable")
      expect(error?.message).toContain("not a regular file")
      expect(tokensOf(onlyOutcome(events, "aaaa000002"))).toBe(17)
    }))

  // /dev/zero never ends: reading it whole would fill memory.
  it.effect("ledger linked to /dev/zero", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      const ledgerPath = path.join(home, "sessions/aaaa000001/session-usage.json")
      fs.mkdirSync(path.dirname(ledgerPath), { recursive: true })
      fs.symlinkSync("/dev/zero", ledgerPath)
      const events = yield* collectOnDisk([home])
      expect(failureOf(onlyOutcome(events, "aaaa000001"))?.code).toBe("ledger-unreadable")
    }))
})

// == Links and entries of the wrong type

/** Lays out the same tree in memory and on disk, for the tests that run on both. */
interface Layout {
  readonly name: string
  readonly build: (tree: Record<string, string | { readonly symlink: string } | { readonly directory: true }>) => {
    readonly base: string
    readonly layer: Layer.Layer<FileSystem.FileSystem | Path.Path>
  }
}

const LAYOUTS: ReadonlyArray<Layout> = [
  {
    name: "memory",
    build: (tree) => {
      const base = "/layout"
      const spec = Object.fromEntries(Object.entries(tree).map(([relative, entry]) => [`${base}/${relative}`, entry]))
      return { base, layer: Layer.merge(makeMemoryFileSystem(spec).layer, NodePath.layer) }
    }
  },
  {
    name: "disk",
    build: (tree) => {
      const base = makeTempFolder()
      for (const [relative, entry] of Object.entries(tree)) {
        const target = path.join(base, relative)
        fs.mkdirSync(path.dirname(target), { recursive: true })
        if (typeof entry === "string") fs.writeFileSync(target, entry)
        else if ("symlink" in entry) fs.symlinkSync(entry.symlink, target)
        else fs.mkdirSync(target, { recursive: true })
      }
      return { base, layer: NodeCollectorLayer }
    }
  }
]

describe.each(LAYOUTS)("links and wrong types ($name)", (layout) => {
  it.effect("folder linked to itself", () =>
    Effect.gen(function*() {
      const { base, layer } = layout.build({
        ".mux/sessions/loop": { symlink: "loop" },
        ".mux/sessions/bbbb000001/session-usage.json": ledgerWithInput(3)
      })
      const events = yield* collect([`${base}/.mux`], layer)
      const error = failureOf(onlyOutcome(events, "loop"))
      expect(error?.code).toBe("ledger-unreadable")
      expect(error?.message).toContain("loop of symbolic links")
      expect(tokensOf(onlyOutcome(events, "bbbb000001"))).toBe(13)
    }))

  it.effect("ledgers linked to each other", () =>
    Effect.gen(function*() {
      const { base, layer } = layout.build({
        ".mux/sessions/a/session-usage.json": { symlink: "../b/session-usage.json" },
        ".mux/sessions/b/session-usage.json": { symlink: "../a/session-usage.json" }
      })
      const events = yield* collect([`${base}/.mux`], layer)
      expect(failureOf(onlyOutcome(events, "a"))?.code).toBe("ledger-unreadable")
      expect(failureOf(onlyOutcome(events, "b"))?.code).toBe("ledger-unreadable")
    }))

  it.effect("file inside sessions skipped", () =>
    Effect.gen(function*() {
      const { base, layer } = layout.build({
        ".mux/sessions/notes.txt": "not a workspace",
        ".mux/sessions/bbbb000001/session-usage.json": ledgerWithInput(3)
      })
      const events = yield* collect([`${base}/.mux`], layer)
      expect(onlyOutcome(events, "notes.txt")._tag).toBe("FolderSkipped")
      expect(tokensOf(onlyOutcome(events, "bbbb000001"))).toBe(13)
    }))

  it.effect("sessions is a file", () =>
    Effect.gen(function*() {
      const { base, layer } = layout.build({
        "broken/.mux/sessions": "a file where the sessions folder belongs",
        "good/.mux/sessions/bbbb000001/session-usage.json": ledgerWithInput(3)
      })
      const events = yield* collect([`${base}/broken/.mux`, `${base}/good/.mux`], layer)
      const opened = events.filter((event): event is HomeOpened => event._tag === "HomeOpened")
      expect(opened.map((event) => event.problems.map((problem) => problem.code))).toEqual([
        ["config-unusable", "sessions-unreadable"],
        ["config-unusable"]
      ])
      expect(tokensOf(onlyOutcome(events, "bbbb000001"))).toBe(13)
    }))
})

// == Races

/**
 * Code for a worker thread that replaces a ledger through a temp file and a rename, as
 * Mux does, alternating two versions until told to stop. `counters[0]` is the stop
 * flag and `counters[1]` counts the renames.
 */
const REPLACER_SOURCE = `
const { workerData } = require("node:worker_threads")
const fs = require("node:fs")
const counters = new Int32Array(workerData.counters)
const temp = workerData.target + ".tmp"
for (let i = 0; Atomics.load(counters, 0) === 0; i++) {
  fs.writeFileSync(temp, workerData.versions[i % 2])
  fs.renameSync(temp, workerData.target)
  Atomics.add(counters, 1, 1)
}
`

describe("ledger replaced while read", () => {
  // Version B is much longer, so a read that mixed the two would not parse.
  const versionA = ledgerWithInput(1_000)
  const versionB = ledgerWithInput(2_000_000, { tokenStatsCache: { padding: "y".repeat(200_000) } })

  it("rename race never miscounts", async () => {
    const home = path.join(makeTempFolder(), ".mux")
    const ledgerPath = path.join(home, "sessions/cccc000001/session-usage.json")
    writeFile(ledgerPath, versionA)
    const counters = new Int32Array(new SharedArrayBuffer(8))
    const worker = new Worker(REPLACER_SOURCE, {
      eval: true,
      workerData: { target: ledgerPath, versions: [versionA, versionB], counters: counters.buffer }
    })
    const totalsSeen = new Set<number>()
    const problems: Array<string> = []
    try {
      while (Atomics.load(counters, 1) === 0) await new Promise((resolve) => setTimeout(resolve, 1))
      for (let run = 0; run < 300; run++) {
        const events = await Effect.runPromise(collectOnDisk([home]))
        const outcomes = outcomesFor(events, "cccc000001")
        const [outcome] = outcomes
        if (outcomes.length !== 1 || outcome === undefined) {
          problems.push(`run ${run}: ${outcomes.length} outcomes`)
        } else if (outcome._tag !== "LedgerCounted") {
          problems.push(`run ${run}: ${outcome._tag} ${outcome._tag === "LedgerFailed" ? outcome.error.message : ""}`)
        } else if (outcome.invalidEntries.length > 0) {
          problems.push(`run ${run}: ${outcome.invalidEntries.length} invalid entries`)
        } else {
          totalsSeen.add(tokensOf(outcome))
        }
      }
    } finally {
      Atomics.store(counters, 0, 1)
      await worker.terminate()
    }
    expect(problems).toEqual([])
    expect([...totalsSeen].every((total) => total === 1_010 || total === 2_000_010), [...totalsSeen].join(", ")).toBe(true)
    expect(Atomics.load(counters, 1)).toBeGreaterThan(1)
  })
})

describe("folder deleted after listing", () => {
  /** The Node layer, with `deleteAfterListing` removed right after `sessions/` is listed. */
  const deletingLayer = (sessionsPath: string, deleteAfterListing: string) =>
    Layer.merge(
      Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (inner) =>
          FileSystem.FileSystem.of({
            ...inner,
            readDirectory: (directory, options) =>
              Effect.tap(inner.readDirectory(directory, options), () =>
                Effect.sync(() => {
                  if (directory === sessionsPath) fs.rmSync(deleteAfterListing, { recursive: true, force: true })
                }))
          }))
      ).pipe(Layer.provide(NodeCollectorLayer)),
      NodePath.layer
    )

  it.effect("deleted folder is ledger-missing", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      writeFile(path.join(home, "sessions/dddd000001/session-usage.json"), ledgerWithInput(4))
      writeFile(path.join(home, "sessions/dddd000002/session-usage.json"), ledgerWithInput(6))
      const events = yield* collect([home], deletingLayer(path.join(home, "sessions"), path.join(home, "sessions/dddd000001")))
      expect(failureOf(onlyOutcome(events, "dddd000001"))?.code).toBe("ledger-missing")
      expect(tokensOf(onlyOutcome(events, "dddd000002"))).toBe(16)
    }))

  it.effect("listed folder absent in memory", () =>
    Effect.gen(function*() {
      const memory = makeMemoryFileSystem({ "/h/.mux/sessions/dddd000002/session-usage.json": ledgerWithInput(6) })
      // The listing names a folder that is gone by the time its ledger is read.
      const listingWithGhost = FileSystem.FileSystem.of({
        ...memory.fileSystem,
        readDirectory: (directory, options) =>
          Effect.map(memory.fileSystem.readDirectory(directory, options), (names) =>
            directory === "/h/.mux/sessions" ? [...names, "dddd000001"] : names)
      })
      const layer = Layer.merge(Layer.succeed(FileSystem.FileSystem, listingWithGhost), NodePath.layer)
      const events = yield* collect(["/h/.mux"], layer)
      expect(failureOf(onlyOutcome(events, "dddd000001"))?.code).toBe("ledger-missing")
    }))
})

// == Unusual home paths

describe("workspace folder name that is not valid UTF-8", () => {
  it.effect("named as unreadable, good folder still counts", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      writeFile(path.join(home, "sessions/ffff000001/session-usage.json"), ledgerWithInput(100))
      // The bytes 0xff 0xfe are not UTF-8, so Node lists this name with U+FFFD in their place.
      const badName = Buffer.concat([Buffer.from(path.join(home, "sessions", "bad")), Buffer.from([0xff, 0xfe])])
      fs.mkdirSync(badName)
      fs.writeFileSync(Buffer.concat([badName, Buffer.from("/session-usage.json")]), ledgerWithInput(200))

      const events = yield* collectOnDisk([home])
      const failure = failureOf(onlyOutcome(events, "bad\ufffd\ufffd"))

      expect(failure?._tag).toBe("LedgerUnreadable")
      expect(failure?.message).toContain("not valid UTF-8")
      expect(tokensOf(onlyOutcome(events, "ffff000001"))).toBe(110)
    }))
})

describe("home path with spaces and non-ASCII", () => {
  const makeHome = () => {
    const home = path.join(makeTempFolder(), "my home", "Ünïcödé ホーム", ".mux")
    writeFile(path.join(home, "sessions/eeee000001/session-usage.json"), ledgerWithInput(100))
    writeFile(path.join(home, "sessions/eeee000002/session-usage.json"), ledgerWithInput(200))
    writeFile(
      path.join(home, "config.json"),
      JSON.stringify({ projects: [["/src/shop", { workspaces: [{ id: "eeee000001" }, { id: "eeee000002" }] }]] }, null, 2)
    )
    return home
  }

  it.effect("library reads it", () =>
    Effect.gen(function*() {
      const home = makeHome()
      const events = yield* collectOnDisk([home])
      expect(tokensOf(onlyOutcome(events, "eeee000001"))).toBe(110)
      expect(onlyOutcome(events, "eeee000002").folder.ledgerPath).toBe(
        path.join(home, "sessions/eeee000002/session-usage.json")
      )
    }))

  it("summary through the CLI", async () => {
    const home = makeHome()
    const result = await runCli(["summary", "--root", home, "--json"])
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout).totals.totalTokens).toBe(320)
  })

  it("check through the CLI", async () => {
    const home = makeHome()
    const result = await runCli(["check", "--root", home, "--json"])
    const report = JSON.parse(result.stdout) as { ledgers: Array<{ path: string; status: string }> }
    expect(report.ledgers.map((ledger) => [ledger.path, ledger.status])).toEqual([
      [path.join(home, "sessions/eeee000001/session-usage.json"), "ok"],
      [path.join(home, "sessions/eeee000002/session-usage.json"), "ok"]
    ])
  })
})

// == Hostile values inside a ledger

describe("deeply nested ledger values", () => {
  const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth)

  it.effect("deep bucket is one invalid entry", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      const entry = JSON.parse(ledgerWithInput(9)).byModel["anthropic:claude-opus-4-6"]
      const text = `{"byModel":{"deep:model":${JSON.stringify(entry).replace(/"reasoning":\{[^}]*\}/, `"reasoning":${deepArray(100_000)}`)},"good:model":${JSON.stringify(entry)}},"version":1}`
      writeFile(path.join(home, "sessions/ffff000001/session-usage.json"), text)
      const events = yield* collectOnDisk([home])
      const outcome = onlyOutcome(events, "ffff000001")
      expect(outcome._tag === "LedgerCounted" ? outcome.invalidEntries.map((error) => error.field) : []).toEqual([
        "reasoning"
      ])
      expect(tokensOf(outcome)).toBe(19)
    }))

  it.effect("huge string value shown short", () =>
    Effect.gen(function*() {
      const home = path.join(makeTempFolder(), ".mux")
      const text = ledgerWithInput(9).replace("\"tokens\": 9", `"tokens": "${"9".repeat(1_000_000)}"`)
      writeFile(path.join(home, "sessions/ffff000001/session-usage.json"), text)
      const events = yield* collectOnDisk([home])
      const outcome = onlyOutcome(events, "ffff000001")
      const [invalid] = outcome._tag === "LedgerCounted" ? outcome.invalidEntries : []
      expect(invalid?.field).toBe("input.tokens")
      expect(invalid?.message.length).toBeLessThan(1_000)
    }))

  it("deep version through check", async () => {
    const home = path.join(makeTempFolder(), ".mux")
    writeFile(path.join(home, "sessions/ffff000001/session-usage.json"), `{"byModel":{},"version":${deepArray(100_000)}}`)
    const result = await runCli(["check", "--root", home, "--json"])
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout).ledgers[0].codes).toEqual(["ledger-version-unsupported"])
  })
})
