/**
 * Tests of the Node layer's synchronous small-file reader, and proof that it changes
 * nothing the collector reports: the same home read with and without it gives the same
 * events, good ledgers and bad.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { collectEvents } from "../src/collect/collectEvents.js"
import type { CollectorEvent } from "../src/domain/Outcome.js"
import * as NodeLedgerFileSystem from "../src/read/NodeLedgerFileSystem.js"
import { readLedgerSync } from "../src/read/readLedger.js"
import { smallFileReaderOf, type SmallFileReader } from "../src/read/smallFileReads.js"
import { configJson, ledgerJson, makeTempTree, removeTree } from "./support/homeTree.js"

const temporaryFolders: Array<string> = []
afterAll(() => {
  for (const folder of temporaryFolders) removeTree(folder)
})

const tempFolder = (files: Record<string, string> = {}): string => {
  const base = makeTempTree(files, "mux-small-file-")
  temporaryFolders.push(base)
  return base
}

/** Returns the reader the Node layer carries. */
const nodeReader = (): SmallFileReader => {
  const reader = Effect.runSync(
    Effect.map(FileSystem.FileSystem, smallFileReaderOf).pipe(Effect.provide(NodeLedgerFileSystem.layer))
  )
  if (reader === undefined) throw new Error("the Node layer carries no SmallFileReader")
  return reader
}

/** The Node layer without its reader: every ledger goes through `stat` and `readFileString`. */
const withoutReader = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(FileSystem.FileSystem, (nodeFileSystem) => FileSystem.FileSystem.of({ ...nodeFileSystem }))
).pipe(Layer.provide(NodeLedgerFileSystem.layer))

describe("the Node layer's small-file reader", () => {
  it("reads a file's text with the mtime, device and inode that stat reports", () => {
    const base = tempFolder({ "ledger.json": "{\"byModel\":{}}\n" })
    const file = path.join(base, "ledger.json")
    const read = nodeReader()(file, 1024)
    const stats = fs.statSync(file)
    expect(read).toEqual({ text: "{\"byModel\":{}}\n", modifiedAt: stats.mtime, device: stats.dev, inode: stats.ino })
  })

  it("reads a file of exactly the limit and declines one byte more", () => {
    const base = tempFolder({ "ten.json": "0123456789" })
    const file = path.join(base, "ten.json")
    expect(nodeReader()(file, 10)?.text).toBe("0123456789")
    expect(nodeReader()(file, 9)).toBeUndefined()
  })

  it("reads an empty file and a file of multi-byte characters", () => {
    const base = tempFolder({ "empty.json": "", "wide.json": "\u00e9\u4e2d\u{1f600}" })
    expect(nodeReader()(path.join(base, "empty.json"), 16)?.text).toBe("")
    // Nine UTF-8 bytes in four UTF-16 code units: the limit counts bytes.
    expect(nodeReader()(path.join(base, "wide.json"), 9)?.text).toBe("\u00e9\u4e2d\u{1f600}")
    expect(nodeReader()(path.join(base, "wide.json"), 8)).toBeUndefined()
  })

  it("declines missing files, folders and dangling links", () => {
    const base = tempFolder()
    fs.mkdirSync(path.join(base, "folder"))
    fs.symlinkSync(path.join(base, "gone"), path.join(base, "dangling"))
    expect(nodeReader()(path.join(base, "missing.json"), 1024)).toBeUndefined()
    expect(nodeReader()(path.join(base, "folder"), 1024)).toBeUndefined()
    expect(nodeReader()(path.join(base, "dangling"), 1024)).toBeUndefined()
  })

  it("follows a link to a file and reports the target's inode", () => {
    const base = tempFolder({ "target.json": "{}" })
    fs.symlinkSync(path.join(base, "target.json"), path.join(base, "link.json"))
    const read = nodeReader()(path.join(base, "link.json"), 1024)
    expect(read?.inode).toBe(fs.statSync(path.join(base, "target.json")).ino)
  })

  it("keeps the byte-order mark for readLedgerSync to strip", () => {
    const base = tempFolder({ "sessions/w1/session-usage.json": "\ufeff{}" })
    const ledgerPath = path.join(base, "sessions/w1/session-usage.json")
    expect(nodeReader()(ledgerPath, 1024)?.text).toBe("\ufeff{}")
    const folder = { home: base, workspaceId: "w1", folderPath: path.dirname(ledgerPath), ledgerPath }
    expect(readLedgerSync(nodeReader(), folder, 1024)?.text).toBe("{}")
  })
})

describe("a FileSystem wrapped by a spread", () => {
  it("drops the reader, so the wrapper's methods are used", async () => {
    const base = tempFolder({ ".mux/config.json": "{}", ".mux/sessions/w1/session-usage.json": "{\"version\":1,\"byModel\":{}}" })
    const reads: Array<string> = []
    const counting = Layer.effect(
      FileSystem.FileSystem,
      Effect.map(FileSystem.FileSystem, (nodeFileSystem) => {
        expect(smallFileReaderOf(nodeFileSystem)).toBeDefined()
        const wrapped: FileSystem.FileSystem = {
          ...nodeFileSystem,
          readFileString: (file, encoding) => {
            reads.push(file)
            return nodeFileSystem.readFileString(file, encoding)
          }
        }
        expect(smallFileReaderOf(wrapped)).toBeUndefined()
        return wrapped
      })
    ).pipe(Layer.provide(NodeLedgerFileSystem.layer))

    await Effect.runPromise(
      Stream.runDrain(collectEvents({ roots: [path.join(base, ".mux")] })).pipe(
        Effect.provide(Layer.merge(counting, NodePath.layer))
      )
    )

    expect(reads).toContain(path.join(base, ".mux/sessions/w1/session-usage.json"))
  })
})

describe("reading with and without the small-file reader", () => {
  const good = ledgerJson({ byModel: { "anthropic:claude-opus-4-6": { tokens: [10, 20, 30, 40, 50], usd: 1.5 } }, lastRequestMs: Date.UTC(2026, 5, 1) })
  const home = {
    ".mux/config.json": configJson([["/src/app", [{ id: "good" }, { id: "bom" }, { id: "child", parentWorkspaceId: "good" }]]]),
    ".mux/sessions/good/session-usage.json": good,
    ".mux/sessions/bom/session-usage.json": `\ufeff${good}`,
    ".mux/sessions/child/session-usage.json": good,
    ".mux/sessions/undated/session-usage.json": ledgerJson({ byModel: { "ollama:qwen3-coder:30b": { tokens: [1, 0, 0, 2, 0] } } }),
    ".mux/sessions/malformed/session-usage.json": "{\"byModel\": {",
    ".mux/sessions/empty/session-usage.json": "",
    ".mux/sessions/no-by-model/session-usage.json": "{\"version\":1}",
    ".mux/sessions/wrong-version/session-usage.json": "{\"version\":2,\"byModel\":{}}",
    ".mux/sessions/large/session-usage.json": `${good}${" ".repeat(4096)}`,
    ".mux/sessions/only-chat/chat.jsonl": "{}\n"
  }

  const collectWith = (layer: Layer.Layer<FileSystem.FileSystem>, base: string) =>
    Effect.runPromise(
      Stream.runCollect(collectEvents({ roots: [path.join(base, ".mux")], maxLedgerBytes: 4096 })).pipe(
        Effect.map(Chunk.toArray),
        Effect.provide(Layer.merge(layer, NodePath.layer))
      )
    )

  it("gives the same events on a home of good and bad ledgers", async () => {
    const base = tempFolder(home)
    fs.mkdirSync(path.join(base, ".mux/sessions/folder-ledger/session-usage.json"), { recursive: true })
    fs.mkdirSync(path.join(base, ".mux/sessions/dangling"))
    fs.symlinkSync(path.join(base, "gone.json"), path.join(base, ".mux/sessions/dangling/session-usage.json"), "file")
    fs.symlinkSync(path.join(base, ".mux/sessions/good"), path.join(base, ".mux/sessions/good-copy"))
    fs.writeFileSync(path.join(base, ".mux/sessions/not-a-folder"), "{}")

    const fast = await collectWith(NodeLedgerFileSystem.layer, base)
    const plain = await collectWith(withoutReader, base)
    expect(fast).toEqual(plain)

    const tags = (events: ReadonlyArray<CollectorEvent>) =>
      Object.fromEntries(
        events.filter((event) => "folder" in event).map((event) => [(event as { folder: { workspaceId: string } }).folder.workspaceId, event._tag])
      )
    expect(tags(fast)).toEqual({
      bom: "LedgerCounted",
      child: "LedgerCounted",
      dangling: "LedgerFailed",
      empty: "LedgerFailed",
      "folder-ledger": "LedgerFailed",
      good: "LedgerCounted",
      "good-copy": "LedgerSetAside",
      large: "LedgerFailed",
      malformed: "LedgerFailed",
      "no-by-model": "LedgerFailed",
      "not-a-folder": "FolderSkipped",
      "only-chat": "LedgerFailed",
      undated: "LedgerCounted",
      "wrong-version": "LedgerFailed"
    })
  })
})
