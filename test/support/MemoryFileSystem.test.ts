import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { makeMemoryFileSystem, type MemoryTreeSpec } from "./MemoryFileSystem.js"

/** Runs `effect`, expects it to fail with a SystemError and returns that error. */
const systemErrorOf = <A>(effect: Effect.Effect<A, PlatformError.PlatformError>) =>
  Effect.flatMap(Effect.flip(effect), (error) =>
    error._tag === "SystemError"
      ? Effect.succeed(error)
      : Effect.die(new Error(`expected a SystemError, got ${error._tag}: ${error.message}`)))

const errnoCodeOf = (error: PlatformError.SystemError) => (error.cause as NodeJS.ErrnoException | undefined)?.code

/** Bytes that are not valid UTF-8: a stray 0xFF, a surrogate half, a cut 4-byte sequence and an overlong "/". */
const INVALID_UTF8 = Uint8Array.from([0x61, 0xff, 0x62, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x41, 0xc0, 0xaf])

const BOM_TEXT = Uint8Array.from([0xef, 0xbb, 0xbf, 0x78])

const MUX_HOME: MemoryTreeSpec = {
  "/home/mux/config.json": "{\"projects\":[]}",
  "/home/mux/sessions/ws-1/session-usage.json": { content: "{}", mtime: new Date("2024-05-01T12:00:00Z") },
  "/home/mux/sessions/ws-2/session-usage.json": "{\"a\":1}",
  "/home/mux/sessions/empty": { directory: true },
  "/home/mux/link-to-config": { symlink: "config.json" },
  "/home/mux/link-to-sessions": { symlink: "/home/mux/sessions" },
  "/home/mux/sessions/ws-2/up": { symlink: "../../config.json" },
  "/home/mux/dangling": { symlink: "missing.json" },
  "/home/mux/loop-a": { symlink: "loop-b" },
  "/home/mux/loop-b": { symlink: "loop-a" },
  "/home/mux/locked.json": { content: "secret", permissionDenied: true },
  "/home/mux/locked-directory/inner.json": "{}",
  "/home/mux/locked-directory": { directory: true, permissionDenied: true }
}

describe("MemoryFileSystem", () => {
  describe("readDirectory", () => {
    it.effect("lists names in insertion order", () => {
      const memory = makeMemoryFileSystem(MUX_HOME)
      return Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem

        const home = yield* fs.readDirectory("/home/mux")
        expect(home).toEqual([
          "config.json",
          "sessions",
          "link-to-config",
          "link-to-sessions",
          "dangling",
          "loop-a",
          "loop-b",
          "locked.json",
          "locked-directory"
        ])

        const sessions = yield* fs.readDirectory("/home/mux/sessions")
        expect(sessions).toEqual(["ws-1", "ws-2", "empty"])
      }).pipe(Effect.provide(memory.layer))
    })

    it.effect("lists empty directory", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const names = yield* fileSystem.readDirectory("/home/mux/sessions/empty")
        expect(names).toEqual([])
      }))

    it.effect("lists through a link", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const names = yield* fileSystem.readDirectory("/home/mux/link-to-sessions")
        expect(names).toEqual(["ws-1", "ws-2", "empty"])
      }))

    it.effect("recursive listing uses Node's stack order", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({
          "/r/a.txt": "",
          "/r/b/c.txt": "",
          "/r/e/f": { directory: true },
          "/r/e/y.txt": "",
          "/r/lnk": { symlink: "e" },
          "/r/z.txt": ""
        })
        const names = yield* fileSystem.readDirectory("/r", { recursive: true })
        // The same tree on disk gives this order with Node 20.20.
        expect(names).toEqual([
          "a.txt",
          "b",
          "e",
          "lnk",
          "z.txt",
          "lnk/f",
          "lnk/y.txt",
          "e/f",
          "e/y.txt",
          "b/c.txt"
        ])
      }))

    it.effect("listOrder reorders every listing", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME, { listOrder: (names) => [...names].reverse() })

        const sessions = yield* fileSystem.readDirectory("/home/mux/sessions")
        expect(sessions).toEqual(["empty", "ws-2", "ws-1"])

        const recursive = yield* fileSystem.readDirectory("/home/mux/sessions", { recursive: true })
        expect(recursive).toEqual(["empty", "ws-2", "ws-1", "ws-1/session-usage.json", "ws-2/up", "ws-2/session-usage.json"])
      }))

    it.effect("listOrder that drops a name dies", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME, { listOrder: (names) => names.slice(1) })
        const exit = yield* Effect.exit(fileSystem.readDirectory("/home/mux/sessions"))
        expect(Exit.isFailure(exit) && Exit.causeOption(exit).pipe(Option.exists((cause) => cause._tag === "Die")))
          .toBe(true)
      }))

    it.effect("file fails with ENOTDIR", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readDirectory("/home/mux/config.json"))
        expect(error.reason).toBe("BadResource")
        expect(error.syscall).toBe("scandir")
        expect(errnoCodeOf(error)).toBe("ENOTDIR")
      }))

    it.effect("missing directory fails with NotFound", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readDirectory("/home/mux/nope"))
        expect(error.reason).toBe("NotFound")
        expect(error.method).toBe("readDirectory")
        expect(error.pathOrDescriptor).toBe("/home/mux/nope")
        expect(error.description).toBe("ENOENT: no such file or directory, scandir '/home/mux/nope'")
      }))
  })

  describe("stat", () => {
    it.effect("reports file size and mtime", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({
          "/a/ünïcode.txt": { content: "héllo", mtime: new Date("2024-05-01T12:00:00Z") }
        })
        const info = yield* fileSystem.stat("/a/ünïcode.txt")
        expect(info.type).toBe("File")
        expect(info.size).toBe(FileSystem.Size(6))
        expect(info.mtime).toEqual(Option.some(new Date("2024-05-01T12:00:00Z")))
      }))

    it.effect("uses defaultMtime when none is given", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({ "/a.txt": "x" }, { defaultMtime: new Date("2020-01-01T00:00:00Z") })
        const info = yield* fileSystem.stat("/a.txt")
        expect(info.mtime).toEqual(Option.some(new Date("2020-01-01T00:00:00Z")))
      }))

    it.effect("reports directory type", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const declared = yield* fileSystem.stat("/home/mux/sessions/empty")
        expect(declared.type).toBe("Directory")
        const implicit = yield* fileSystem.stat("/home/mux")
        expect(implicit.type).toBe("Directory")
        const root = yield* fileSystem.stat("/")
        expect(root.type).toBe("Directory")
      }))

    it.effect("follows links", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const toFile = yield* fileSystem.stat("/home/mux/link-to-config")
        expect(toFile.type).toBe("File")
        expect(toFile.size).toBe(FileSystem.Size("{\"projects\":[]}".length))
        const toDirectory = yield* fileSystem.stat("/home/mux/link-to-sessions")
        expect(toDirectory.type).toBe("Directory")
        const relativeUp = yield* fileSystem.stat("/home/mux/sessions/ws-2/up")
        expect(relativeUp.type).toBe("File")
      }))

    it.effect("resolves .. after a link physically", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({
          "/a/deep/target/x": "",
          "/a/deep/only-here.txt": "",
          "/a/link": { symlink: "deep/target" }
        })
        // The kernel resolves ".." from the link's target, /a/deep, not from /a.
        const info = yield* fileSystem.stat("/a/link/../only-here.txt")
        expect(info.type).toBe("File")
      }))

    it.effect("dangling link fails with NotFound", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.stat("/home/mux/dangling"))
        expect(error.reason).toBe("NotFound")
        expect(error.syscall).toBe("stat")
        expect(errnoCodeOf(error)).toBe("ENOENT")
      }))

    it.effect("link loop fails with ELOOP", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.stat("/home/mux/loop-a"))
        expect(error.reason).toBe("BadResource")
        expect(errnoCodeOf(error)).toBe("ELOOP")
        expect(error.description).toBe("ELOOP: too many symbolic links encountered, stat '/home/mux/loop-a'")
      }))

    it.effect("follows 40 links but not 41", () =>
      Effect.gen(function*() {
        const spec: Record<string, string | { symlink: string }> = { "/chain/0": "end" }
        for (let index = 1; index <= 41; index++) {
          spec[`/chain/${index}`] = { symlink: String(index - 1) }
        }
        const { fileSystem } = makeMemoryFileSystem(spec)

        const fortyLinks = yield* fileSystem.stat("/chain/40")
        expect(fortyLinks.type).toBe("File")

        const error = yield* systemErrorOf(fileSystem.stat("/chain/41"))
        expect(errnoCodeOf(error)).toBe("ELOOP")
      }))

    it.effect("path through a file fails with ENOTDIR", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const through = yield* systemErrorOf(fileSystem.stat("/home/mux/config.json/x"))
        expect(through.reason).toBe("BadResource")
        expect(errnoCodeOf(through)).toBe("ENOTDIR")

        const trailingSlash = yield* systemErrorOf(fileSystem.stat("/home/mux/config.json/"))
        expect(errnoCodeOf(trailingSlash)).toBe("ENOTDIR")
      }))

    it.effect("permission denied file still stats", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const info = yield* fileSystem.stat("/home/mux/locked.json")
        expect(info.type).toBe("File")
        expect(info.size).toBe(FileSystem.Size(6))
        expect(info.mode & 0o777).toBe(0)
      }))
  })

  describe("readFile", () => {
    it.effect("returns bytes and string", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const bytes = yield* fileSystem.readFile("/home/mux/sessions/ws-2/session-usage.json")
        expect(Array.from(bytes)).toEqual(Array.from(Buffer.from("{\"a\":1}")))
        const text = yield* fileSystem.readFileString("/home/mux/link-to-config")
        expect(text).toBe("{\"projects\":[]}")
      }))

    it.effect("returns a copy", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({ "/a.txt": "abc" })
        const first = yield* fileSystem.readFile("/a.txt")
        first[0] = 0x7a
        const second = yield* fileSystem.readFileString("/a.txt")
        expect(second).toBe("abc")
      }))

    it.effect("replaces invalid UTF-8 as Node does", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({ "/bad.txt": INVALID_UTF8 })
        const text = yield* fileSystem.readFileString("/bad.txt")
        expect(text).toBe(Buffer.from(INVALID_UTF8).toString("utf8"))
        expect(text).toContain("\uFFFD")
      }))

    it.effect("readFileString drops a leading BOM", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({ "/bom.txt": BOM_TEXT })
        const text = yield* fileSystem.readFileString("/bom.txt")
        // TextDecoder drops the BOM, unlike NodeFs.readFileSync(path, "utf8"), which keeps U+FEFF.
        expect(text).toBe("x")
      }))

    it.effect("directory fails with EISDIR", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readFile("/home/mux/sessions"))
        expect(error.reason).toBe("BadResource")
        expect(error.syscall).toBe("read")
        expect(errnoCodeOf(error)).toBe("EISDIR")
        expect(error.description).toBe("EISDIR: illegal operation on a directory, read")
      }))

    it.effect("path through a file fails with ENOTDIR", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readFile("/home/mux/config.json/x"))
        expect(error.reason).toBe("BadResource")
        expect(error.syscall).toBe("open")
        expect(errnoCodeOf(error)).toBe("ENOTDIR")
      }))

    it.effect("dangling link fails with NotFound", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readFile("/home/mux/dangling"))
        expect(error.reason).toBe("NotFound")
        expect(error.description).toBe("ENOENT: no such file or directory, open '/home/mux/dangling'")
      }))

    it.effect("link loop fails with ELOOP", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readFile("/home/mux/loop-b"))
        expect(error.reason).toBe("BadResource")
        expect(errnoCodeOf(error)).toBe("ELOOP")
      }))

    it.effect("permission denied file fails with EACCES", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readFileString("/home/mux/locked.json"))
        expect(error.reason).toBe("PermissionDenied")
        expect(error.method).toBe("readFile")
        expect(error.syscall).toBe("open")
        expect(error.description).toBe("EACCES: permission denied, open '/home/mux/locked.json'")
      }))
  })

  describe("permission denied directory", () => {
    it.effect("rejects listing", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readDirectory("/home/mux/locked-directory"))
        expect(error.reason).toBe("PermissionDenied")
        expect(error.syscall).toBe("scandir")
      }))

    it.effect("rejects recursive listing below", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readDirectory("/home/mux", { recursive: true }))
        expect(error.reason).toBe("PermissionDenied")
        expect(error.pathOrDescriptor).toBe("/home/mux")
        expect(error.description).toBe("EACCES: permission denied, scandir '/home/mux/locked-directory'")
      }))

    it.effect("allows paths through it", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const text = yield* fileSystem.readFileString("/home/mux/locked-directory/inner.json")
        expect(text).toBe("{}")
      }))
  })

  describe("access and exists", () => {
    it.effect("exists is false only for NotFound", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        expect(yield* fileSystem.exists("/home/mux/config.json")).toBe(true)
        expect(yield* fileSystem.exists("/home/mux/locked.json")).toBe(true)
        expect(yield* fileSystem.exists("/home/mux/missing")).toBe(false)
        expect(yield* fileSystem.exists("/home/mux/dangling")).toBe(false)

        // The Node layer's exists fails, rather than returning false, for ELOOP and ENOTDIR.
        const loop = yield* systemErrorOf(fileSystem.exists("/home/mux/loop-a"))
        expect(errnoCodeOf(loop)).toBe("ELOOP")
        const throughFile = yield* systemErrorOf(fileSystem.exists("/home/mux/config.json/x"))
        expect(errnoCodeOf(throughFile)).toBe("ENOTDIR")
      }))

    it.effect("readable access fails on denied file", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        yield* fileSystem.access("/home/mux/locked.json")
        const error = yield* systemErrorOf(fileSystem.access("/home/mux/locked.json", { readable: true }))
        expect(error.reason).toBe("PermissionDenied")
        expect(error.syscall).toBe("access")
      }))
  })

  describe("watch", () => {
    it.effect("missing path fails with NotFound", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(Stream.runDrain(fileSystem.watch("/home/mux/missing")))
        expect(error.reason).toBe("NotFound")
        expect(error.method).toBe("stat")
      }))
  })

  describe("realPath and readLink", () => {
    it.effect("realPath resolves links", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        expect(yield* fileSystem.realPath("/home/mux/link-to-config")).toBe("/home/mux/config.json")
        expect(yield* fileSystem.realPath("/home/mux/link-to-sessions/ws-2/up")).toBe("/home/mux/config.json")
        expect(yield* fileSystem.realPath("/home/mux/sessions/")).toBe("/home/mux/sessions")
      }))

    it.effect("realPath resolves .. lexically", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({
          "/a/deep/target/x": "",
          "/a/link": { symlink: "deep/target" }
        })
        // Node's fs.realpath applies path.resolve before it reads any link.
        expect(yield* fileSystem.realPath("/a/link/../link")).toBe("/a/deep/target")
      }))

    it.effect("realPath names the failing prefix", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)

        const missing = yield* systemErrorOf(fileSystem.realPath("/home/mux/nope/deeper"))
        expect(missing.reason).toBe("NotFound")
        expect(missing.syscall).toBe("lstat")
        expect(missing.pathOrDescriptor).toBe("/home/mux/nope/deeper")
        expect(missing.description).toBe("ENOENT: no such file or directory, lstat '/home/mux/nope'")

        const dangling = yield* systemErrorOf(fileSystem.realPath("/home/mux/dangling/x"))
        expect(dangling.syscall).toBe("stat")
        expect(dangling.description).toBe("ENOENT: no such file or directory, stat '/home/mux/dangling'")

        const loop = yield* systemErrorOf(fileSystem.realPath("/home/mux/loop-a"))
        expect(loop.reason).toBe("BadResource")
        expect(errnoCodeOf(loop)).toBe("ELOOP")
      }))

    it.effect("readLink returns the stored target", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        expect(yield* fileSystem.readLink("/home/mux/dangling")).toBe("missing.json")
        expect(yield* fileSystem.readLink("/home/mux/link-to-sessions")).toBe("/home/mux/sessions")
        expect(yield* fileSystem.readLink("/home/mux/link-to-sessions/ws-2/up")).toBe("../../config.json")
      }))

    it.effect("readLink on a file fails with EINVAL", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(fileSystem.readLink("/home/mux/config.json"))
        expect(error.reason).toBe("Unknown")
        expect(errnoCodeOf(error)).toBe("EINVAL")
      }))
  })

  describe("open and stream", () => {
    it.scoped("reads through a handle", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({ "/a.txt": "hello" })
        const file = yield* fileSystem.open("/a.txt")
        const buffer = new Uint8Array(3)
        expect(yield* file.read(buffer)).toBe(FileSystem.Size(3))
        expect(Buffer.from(buffer).toString()).toBe("hel")

        const rest = yield* file.readAlloc(10)
        expect(Option.map(rest, (bytes) => Buffer.from(bytes).toString())).toEqual(Option.some("lo"))

        const atEnd = yield* file.readAlloc(10)
        expect(Option.isNone(atEnd)).toBe(true)

        const info = yield* file.stat
        expect(info.size).toBe(FileSystem.Size(5))
      }))

    it.effect("stream honours offset and bytesToRead", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({ "/a.txt": "hello" })
        const chunks = yield* Stream.runCollect(fileSystem.stream("/a.txt", { offset: 1, bytesToRead: 2 }))
        const text = Chunk.toArray(chunks).map((chunk) => Buffer.from(chunk).toString()).join("")
        expect(text).toBe("el")
      }))

    it.effect("stream of a directory fails with EISDIR", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem(MUX_HOME)
        const error = yield* systemErrorOf(Stream.runCollect(fileSystem.stream("/home/mux/sessions")))
        expect(error.method).toBe("readAlloc")
        expect(errnoCodeOf(error)).toBe("EISDIR")
      }))

    it.effect("read after close fails with EBADF", () =>
      Effect.gen(function*() {
        const { fileSystem } = makeMemoryFileSystem({ "/a.txt": "hello" })
        const file = yield* Effect.scoped(fileSystem.open("/a.txt"))
        const error = yield* systemErrorOf(file.read(new Uint8Array(1)))
        expect(errnoCodeOf(error)).toBe("EBADF")
      }))
  })

  describe("writes", () => {
    const writeCases: ReadonlyArray<
      readonly [string, (fs: FileSystem.FileSystem) => Effect.Effect<unknown, PlatformError.PlatformError>]
    > = [
      ["writeFile", (fs) => fs.writeFile("/a.txt", new Uint8Array([1]))],
      ["writeFileString", (fs) => fs.writeFileString("/a.txt", "x")],
      ["makeDirectory", (fs) => fs.makeDirectory("/new", { recursive: true })],
      ["remove", (fs) => fs.remove("/a.txt", { force: true })],
      ["rename", (fs) => fs.rename("/a.txt", "/b.txt")],
      ["copy", (fs) => fs.copy("/a.txt", "/b.txt")],
      ["copyFile", (fs) => fs.copyFile("/a.txt", "/b.txt")],
      ["chmod", (fs) => fs.chmod("/a.txt", 0o600)],
      ["chown", (fs) => fs.chown("/a.txt", 1, 1)],
      ["truncate", (fs) => fs.truncate("/a.txt")],
      ["symlink", (fs) => fs.symlink("/a.txt", "/link")],
      ["link", (fs) => fs.link("/a.txt", "/hard")],
      ["utimes", (fs) => fs.utimes("/a.txt", 0, 0)],
      ["makeTempDirectory", (fs) => fs.makeTempDirectory()],
      ["makeTempDirectoryScoped", (fs) => Effect.scoped(fs.makeTempDirectoryScoped({ prefix: "x" }))],
      ["makeTempFile", (fs) => fs.makeTempFile()],
      ["makeTempFileScoped", (fs) => Effect.scoped(fs.makeTempFileScoped())],
      ["open for writing", (fs) => Effect.scoped(fs.open("/a.txt", { flag: "a" }))],
      ["sink", (fs) => Stream.run(Stream.make(new Uint8Array([1])), fs.sink("/a.txt"))],
      ["handle write", (fs) => Effect.scoped(Effect.flatMap(fs.open("/a.txt"), (file) => file.write(new Uint8Array([1]))))],
      ["handle writeAll", (fs) => Effect.scoped(Effect.flatMap(fs.open("/a.txt"), (file) => file.writeAll(new Uint8Array([1]))))],
      ["handle truncate", (fs) => Effect.scoped(Effect.flatMap(fs.open("/a.txt"), (file) => file.truncate()))]
    ]

    it.effect.each(writeCases)("%s is rejected and counted", ([, write]) =>
      Effect.gen(function*() {
        const memory = makeMemoryFileSystem({ "/a.txt": "hello" })
        const error = yield* systemErrorOf(write(memory.fileSystem))
        expect(error.reason).toBe("PermissionDenied")
        expect(errnoCodeOf(error)).toBe("EACCES")
        expect(memory.writeCalls()).toBe(1)
        expect(memory.writeAttempts()).toHaveLength(1)

        const text = yield* memory.fileSystem.readFileString("/a.txt")
        expect(text).toBe("hello")
      }))

    it.effect("reads leave the write counter at 0", () =>
      Effect.gen(function*() {
        const memory = makeMemoryFileSystem(MUX_HOME)
        const fs = memory.fileSystem
        yield* fs.readDirectory("/home/mux")
        yield* fs.stat("/home/mux/config.json")
        yield* fs.readFileString("/home/mux/config.json")
        yield* fs.exists("/home/mux/missing")
        yield* fs.realPath("/home/mux/link-to-config")
        yield* fs.readLink("/home/mux/dangling")
        yield* Effect.either(fs.readFile("/home/mux/locked.json"))

        expect(memory.readCalls()).toBe(7)
        expect(memory.writeCalls()).toBe(0)
      }))
  })

  describe("spec validation", () => {
    const invalidSpecs: ReadonlyArray<readonly [string, MemoryTreeSpec, string]> = [
      ["relative key", { "home/a.txt": "" }, "paths must be absolute"],
      ["key with ..", { "/home/../a.txt": "" }, "paths must be normalized, without a trailing slash; write \"/a.txt\""],
      ["key with trailing slash", { "/home/": { directory: true } }, "write \"/home\""],
      ["key below a file", { "/a.txt": "", "/a.txt/b": "" }, "its ancestor \"/a.txt\" is declared as a File"],
      ["key below a link", { "/l": { symlink: "/x" }, "/l/b": "" }, "its ancestor \"/l\" is declared as a SymbolicLink"],
      ["file where a directory has entries", { "/a/b.txt": "", "/a": "" }, "other keys are below it"],
      ["empty link target", { "/a": { symlink: "" } }, "a symlink target must be a non-empty string"]
    ]

    it.each(invalidSpecs)("%s throws", (_name, spec, problem) => {
      expect(() => makeMemoryFileSystem(spec)).toThrow(problem)
    })

    it("directory declared after its entries keeps them", () => {
      const memory = makeMemoryFileSystem({
        "/a/b.txt": "",
        "/a": { directory: true, mtime: new Date("2024-01-01T00:00:00Z") }
      })
      const info = Effect.runSync(memory.fileSystem.stat("/a"))
      expect(info.mtime).toEqual(Option.some(new Date("2024-01-01T00:00:00Z")))
      expect(Effect.runSync(memory.fileSystem.readDirectory("/a"))).toEqual(["b.txt"])
    })
  })
})

// == Agreement with the Node layer

/** One tree, written both to memory (under MEMORY_ROOT) and to a temporary directory on disk. */
const sharedTree = (root: string): MemoryTreeSpec => ({
  [`${root}/config.json`]: "{\"projects\":[]}",
  [`${root}/sessions/ws-1/session-usage.json`]: "{}",
  [`${root}/sessions/ws-2/session-usage.json`]: "{\"a\":1}",
  [`${root}/sessions/ws-2/up`]: { symlink: "../../config.json" },
  [`${root}/sessions/empty`]: { directory: true },
  [`${root}/bad.txt`]: INVALID_UTF8,
  [`${root}/bom.txt`]: BOM_TEXT,
  [`${root}/link-to-config`]: { symlink: "config.json" },
  [`${root}/link-to-sessions`]: { symlink: `${root}/sessions` },
  [`${root}/link-deep`]: { symlink: "sessions/ws-2" },
  [`${root}/dangling`]: { symlink: "missing.json" },
  [`${root}/loop-a`]: { symlink: "loop-b" },
  [`${root}/loop-b`]: { symlink: "loop-a" }
})

const MEMORY_ROOT = "/home/mux"

/** Writes a spec to disk with node:fs, so the Node layer reads the same tree. */
const writeTreeToDisk = (spec: MemoryTreeSpec) => {
  // Directories lose their read bits only after everything below them is written.
  const lockedDirectories: Array<string> = []
  for (const [path, entry] of Object.entries(spec)) {
    if (typeof entry === "string" || entry instanceof Uint8Array) {
      NodeFs.mkdirSync(Path.dirname(path), { recursive: true })
      NodeFs.writeFileSync(path, entry)
    } else if ("symlink" in entry) {
      NodeFs.mkdirSync(Path.dirname(path), { recursive: true })
      NodeFs.symlinkSync(entry.symlink, path)
    } else if ("directory" in entry) {
      NodeFs.mkdirSync(path, { recursive: true })
      if (entry.permissionDenied === true) {
        lockedDirectories.push(path)
      }
    } else {
      NodeFs.mkdirSync(Path.dirname(path), { recursive: true })
      NodeFs.writeFileSync(path, entry.content)
      if (entry.permissionDenied === true) {
        NodeFs.chmodSync(path, 0o000)
      }
    }
  }
  for (const path of lockedDirectories) {
    NodeFs.chmodSync(path, 0o111)
  }
}

/** Restores owner permissions below `directory` so a non-root user can delete it. */
const unlockTree = (directory: string): void => {
  NodeFs.chmodSync(directory, 0o700)
  for (const entry of NodeFs.readdirSync(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      unlockTree(Path.join(directory, entry.name))
    }
  }
}

type Operation = (fs: FileSystem.FileSystem, at: (relative: string) => string) => Effect.Effect<unknown, PlatformError.PlatformError>

const agreementCases: ReadonlyArray<readonly [string, Operation]> = [
  ["stat file", (fs, at) => fs.stat(at("config.json"))],
  ["stat directory", (fs, at) => fs.stat(at("sessions"))],
  ["stat link to file", (fs, at) => fs.stat(at("link-to-config"))],
  ["stat link to directory", (fs, at) => fs.stat(at("link-to-sessions"))],
  ["stat relative link with ..", (fs, at) => fs.stat(at("sessions/ws-2/up"))],
  ["stat .. after link", (fs, at) => fs.stat(at("link-deep/../ws-1/session-usage.json"))],
  ["stat missing", (fs, at) => fs.stat(at("missing"))],
  ["stat dangling", (fs, at) => fs.stat(at("dangling"))],
  ["stat loop", (fs, at) => fs.stat(at("loop-a"))],
  ["stat below loop", (fs, at) => fs.stat(at("loop-a/x"))],
  ["stat through file", (fs, at) => fs.stat(at("config.json/x"))],
  ["stat file with trailing slash", (fs, at) => fs.stat(at("config.json/"))],
  ["readFile file", (fs, at) => fs.readFile(at("sessions/ws-2/session-usage.json"))],
  ["readFile directory", (fs, at) => fs.readFile(at("sessions"))],
  ["readFile link to directory", (fs, at) => fs.readFile(at("link-to-sessions"))],
  ["readFile dangling", (fs, at) => fs.readFile(at("dangling"))],
  ["readFile loop", (fs, at) => fs.readFile(at("loop-b"))],
  ["readFile through file", (fs, at) => fs.readFile(at("config.json/x"))],
  ["readFileString invalid UTF-8", (fs, at) => fs.readFileString(at("bad.txt"))],
  ["readFileString BOM", (fs, at) => fs.readFileString(at("bom.txt"))],
  ["readDirectory directory", (fs, at) => fs.readDirectory(at("sessions"))],
  ["readDirectory empty", (fs, at) => fs.readDirectory(at("sessions/empty"))],
  ["readDirectory link", (fs, at) => fs.readDirectory(at("link-to-sessions"))],
  ["readDirectory recursive", (fs, at) => fs.readDirectory(at("sessions"), { recursive: true })],
  ["readDirectory file", (fs, at) => fs.readDirectory(at("config.json"))],
  ["readDirectory missing", (fs, at) => fs.readDirectory(at("missing"))],
  ["readDirectory dangling", (fs, at) => fs.readDirectory(at("dangling"))],
  ["readDirectory loop", (fs, at) => fs.readDirectory(at("loop-a"))],
  ["realPath link", (fs, at) => fs.realPath(at("link-to-sessions/ws-2/up"))],
  ["realPath .. after link", (fs, at) => fs.realPath(at("link-deep/../link-deep"))],
  ["realPath trailing slash on file", (fs, at) => fs.realPath(at("config.json/"))],
  ["realPath missing", (fs, at) => fs.realPath(at("missing/deeper"))],
  ["realPath missing below link", (fs, at) => fs.realPath(at("link-deep/nope"))],
  ["realPath dangling", (fs, at) => fs.realPath(at("dangling/x"))],
  ["realPath loop", (fs, at) => fs.realPath(at("loop-a"))],
  ["realPath through file", (fs, at) => fs.realPath(at("config.json/x"))],
  ["readLink link", (fs, at) => fs.readLink(at("sessions/ws-2/up"))],
  ["readLink file", (fs, at) => fs.readLink(at("config.json"))],
  ["readLink dangling", (fs, at) => fs.readLink(at("dangling"))],
  ["readLink with trailing slash", (fs, at) => fs.readLink(at("link-to-sessions/"))],
  ["readLink missing", (fs, at) => fs.readLink(at("missing"))],
  ["exists file", (fs, at) => fs.exists(at("config.json"))],
  ["exists missing", (fs, at) => fs.exists(at("missing"))],
  ["exists dangling", (fs, at) => fs.exists(at("dangling"))],
  ["exists loop", (fs, at) => fs.exists(at("loop-a"))],
  ["exists through file", (fs, at) => fs.exists(at("config.json/x"))],
  ["access missing", (fs, at) => fs.access(at("missing"))],
  ["stream with offset", (fs, at) => Stream.runCollect(fs.stream(at("config.json"), { offset: 2, bytesToRead: 8 }))],
  ["stream directory", (fs, at) => Stream.runCollect(fs.stream(at("sessions")))],
  ["stream missing", (fs, at) => Stream.runCollect(fs.stream(at("missing")))]
]

/**
 * Reduces an outcome to the fields both layers must agree on, with the root
 * directory replaced by "<root>". Listings are sorted because on-disk order
 * depends on the file system, and directory sizes are left out for the same
 * reason.
 */
const summarize = (root: string, outcome: Either.Either<unknown, PlatformError.PlatformError>): unknown => {
  const relative = (text: string) => text.split(root).join("<root>")
  if (Either.isLeft(outcome)) {
    const error = outcome.left
    if (error._tag !== "SystemError") {
      return { tag: error._tag, description: error.description }
    }
    const cause = error.cause as NodeJS.ErrnoException | undefined
    return {
      reason: error.reason,
      method: error.method,
      syscall: error.syscall,
      pathOrDescriptor: typeof error.pathOrDescriptor === "string" ? relative(error.pathOrDescriptor) : "(descriptor)",
      description: error.description === undefined ? undefined : relative(error.description),
      code: cause?.code,
      // errno numbers are platform-specific, and MemoryFileSystem uses the Linux ones.
      errno: process.platform === "linux" ? cause?.errno : "(not compared)",
      causePath: cause?.path === undefined ? undefined : relative(String(cause.path))
    }
  }
  const value = outcome.right
  if (typeof value === "string") {
    return relative(value)
  }
  if (value instanceof Uint8Array) {
    return Array.from(value)
  }
  if (Array.isArray(value)) {
    return value.map((name) => relative(String(name))).sort()
  }
  if (Chunk.isChunk(value)) {
    return Chunk.toArray(value).flatMap((bytes) => Array.from(bytes as Uint8Array))
  }
  if (typeof value === "object" && value !== null && "type" in value && "size" in value) {
    const info = value as FileSystem.File.Info
    return { type: info.type, size: info.type === "File" ? String(info.size) : "(not compared)" }
  }
  return value === undefined ? "(void)" : value
}

/** Runs every agreement case; paths are concatenated, not joined, so ".." and trailing slashes reach the layer unchanged. */
const runAll = (fs: FileSystem.FileSystem, root: string) =>
  Effect.forEach(agreementCases, ([name, operation]) =>
    Effect.map(
      Effect.either(operation(fs, (relative) => `${root}/${relative}`)),
      (outcome) => [name, summarize(root, outcome)] as const
    ))

/** A temporary directory made with node:fs and removed when the scope closes. Its real path avoids /tmp links. */
const makeDiskRoot = Effect.acquireRelease(
  Effect.sync(() => NodeFs.realpathSync(NodeFs.mkdtempSync(Path.join(Os.tmpdir(), "memory-fs-test-")))),
  (root) =>
    Effect.sync(() => {
      unlockTree(root)
      NodeFs.rmSync(root, { recursive: true, force: true })
    })
)

describe("MemoryFileSystem agrees with NodeFileSystem", () => {
  it.scoped("on results and error fields", () =>
    Effect.gen(function*() {
      const diskRoot = yield* makeDiskRoot
      writeTreeToDisk(sharedTree(diskRoot))
      const memory = makeMemoryFileSystem(sharedTree(MEMORY_ROOT))

      const fromMemory = yield* runAll(memory.fileSystem, MEMORY_ROOT)
      const fromNode = yield* Effect.flatMap(FileSystem.FileSystem, (fs) => runAll(fs, diskRoot)).pipe(
        Effect.provide(NodeFileSystem.layer)
      )

      expect(fromMemory.map(([name]) => name)).toEqual(fromNode.map(([name]) => name))
      for (const [index, [name, memoryOutcome]] of fromMemory.entries()) {
        expect.soft(memoryOutcome, name).toEqual(fromNode[index]?.[1])
      }
      expect(memory.writeCalls()).toBe(0)
    }))

  // The root user bypasses file mode bits, so EACCES cannot be produced on disk when tests run as root.
  it.scoped.skipIf(process.getuid?.() === 0)("on permission denied", () =>
    Effect.gen(function*() {
      const diskRoot = yield* makeDiskRoot
      const tree = (root: string): MemoryTreeSpec => ({
        [`${root}/locked.json`]: { content: "x", permissionDenied: true },
        [`${root}/locked-directory/inner.json`]: "{}",
        [`${root}/locked-directory`]: { directory: true, permissionDenied: true }
      })
      writeTreeToDisk(tree(diskRoot))
      const memory = makeMemoryFileSystem(tree(MEMORY_ROOT))
      const cases: ReadonlyArray<readonly [string, Operation]> = [
        ["readFile", (fs, at) => fs.readFile(at("locked.json"))],
        ["readFileString", (fs, at) => fs.readFileString(at("locked.json"))],
        ["access readable", (fs, at) => fs.access(at("locked.json"), { readable: true })],
        ["exists", (fs, at) => fs.exists(at("locked.json"))],
        ["stat", (fs, at) => fs.stat(at("locked.json"))],
        ["readDirectory locked directory", (fs, at) => fs.readDirectory(at("locked-directory"))],
        ["readDirectory recursive above locked directory", (fs, at) => fs.readDirectory(at(""), { recursive: true })],
        ["readFile locked directory", (fs, at) => fs.readFile(at("locked-directory"))],
        ["readFile inside locked directory", (fs, at) => fs.readFileString(at("locked-directory/inner.json"))],
        ["stat locked directory", (fs, at) => fs.stat(at("locked-directory"))],
        ["realPath inside locked directory", (fs, at) => fs.realPath(at("locked-directory/inner.json"))]
      ]
      const runCases = (fs: FileSystem.FileSystem, root: string) =>
        Effect.forEach(cases, ([name, operation]) =>
          Effect.map(Effect.either(operation(fs, (relative) => `${root}/${relative}`)), (outcome) =>
            [name, summarize(root, outcome)] as const))

      const fromMemory = yield* runCases(memory.fileSystem, MEMORY_ROOT)
      const fromNode = yield* Effect.flatMap(FileSystem.FileSystem, (fs) => runCases(fs, diskRoot)).pipe(
        Effect.provide(NodeFileSystem.layer)
      )

      for (const [index, [name, memoryOutcome]] of fromMemory.entries()) {
        expect.soft(memoryOutcome, name).toEqual(fromNode[index]?.[1])
      }
    }))
})
