import * as FileSystem from "@effect/platform/FileSystem"
import { SystemError, type SystemErrorReason } from "@effect/platform/Error"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer, Option } from "effect"
import * as NFS from "node:fs"
import { type FolderEntry, type SmallFile, withSmallFileReads } from "./smallFileReads.js"

/**
 * The Node `FileSystem` with `stat` and `readFileString` done as synchronous calls.
 *
 * A ledger is a few kilobytes, so the asynchronous calls of the stock layer spend far
 * more time scheduling callbacks than reading: on a home of 100,000 workspaces that
 * makes the run several times slower. Every other method is the stock Node layer's.
 * Errors are `SystemError`s with the same `reason` values the stock layer uses.
 *
 * The service also carries a `SmallFileReader` (see `smallFileReads.ts`), which reads a
 * ledger and its `stat` facts through one open file, with no Effect per file, and a
 * `FolderEntryLister`, which lists the workspace folders with their link status.
 */
export const layer: Layer.Layer<FileSystem.FileSystem> = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(FileSystem.FileSystem, (nodeFileSystem) =>
    withSmallFileReads(FileSystem.FileSystem.of({
      ...nodeFileSystem,
      stat: (path) =>
        Effect.try({
          try: () => toFileInfo(NFS.statSync(path)),
          catch: (error) => toSystemError(error, "stat", path)
        }),
      readFileString: (path, encoding) =>
        Effect.try({
          try: () => NFS.readFileSync(path, { encoding: toBufferEncoding(encoding) }),
          catch: (error) => toSystemError(error, "readFileString", path)
        })
    }), readSmallFile, listFolderEntries))
).pipe(Layer.provide(NodeFileSystem.layer))

/** Lists a folder's entries with their link status, from the types the folder read reports. */
const listFolderEntries = (path: string): Effect.Effect<Array<FolderEntry>, SystemError> =>
  Effect.try({
    try: () =>
      NFS.readdirSync(path, { withFileTypes: true }).map((entry) => ({
        name: entry.name,
        isSymbolicLink: entry.isSymbolicLink()
      })),
    catch: (error) => toSystemError(error, "readDirectory", path)
  })

/**
 * Non-blocking, so that opening a FIFO returns at once and `fstat` rejects it, where a
 * blocking open would wait for a writer.
 */
const OPEN_FLAGS = NFS.constants.O_RDONLY | NFS.constants.O_NONBLOCK

/**
 * Opens the file once, takes size, type, time and identity from `fstat` on the open
 * descriptor, and reads it to the end. Any failure returns `undefined`, and the caller
 * asks `stat` and `readFileString` what is wrong.
 */
const readSmallFile = (path: string, maxBytes: number): SmallFile | undefined => {
  let fd: number
  try {
    fd = NFS.openSync(path, OPEN_FLAGS)
  } catch {
    return undefined
  }
  try {
    const stats = NFS.fstatSync(fd)
    if (!stats.isFile() || stats.size > maxBytes) return undefined
    const text = readToEnd(fd, stats.size, maxBytes)
    return text === undefined ? undefined : { text, modifiedAt: stats.mtime, device: stats.dev, inode: stats.ino }
  } catch {
    return undefined
  } finally {
    try {
      NFS.closeSync(fd)
    } catch {
      // Closing a descriptor opened for reading loses nothing.
    }
  }
}

/**
 * Reads from the descriptor until the end of the file, as UTF-8. The file can grow after
 * `fstat`, so the buffer grows too, up to one byte past the limit: a file that reaches
 * it returns `undefined`.
 */
const readToEnd = (fd: number, expectedBytes: number, maxBytes: number): string | undefined => {
  let buffer = Buffer.allocUnsafe(Math.min(expectedBytes, maxBytes) + 1)
  let length = 0
  for (;;) {
    const count = NFS.readSync(fd, buffer, length, buffer.length - length, null)
    if (count === 0) break
    length += count
    if (length > maxBytes) return undefined
    if (length === buffer.length) {
      const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1))
      buffer.copy(larger, 0, 0, length)
      buffer = larger
    }
  }
  return buffer.toString("utf8", 0, length)
}

const toBufferEncoding = (encoding: string | undefined): BufferEncoding =>
  encoding !== undefined && Buffer.isEncoding(encoding) ? encoding : "utf8"

const reasonByErrno: Record<string, SystemErrorReason> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EEXIST: "AlreadyExists",
  EISDIR: "BadResource",
  ENOTDIR: "BadResource",
  ELOOP: "BadResource",
  EBUSY: "Busy"
}

const toSystemError = (error: unknown, method: string, path: string): SystemError => {
  const errno = error as NodeJS.ErrnoException
  const code = typeof errno?.code === "string" ? errno.code : undefined
  return new SystemError({
    reason: (code !== undefined ? reasonByErrno[code] : undefined) ?? "Unknown",
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    ...(errno?.syscall !== undefined ? { syscall: errno.syscall } : {}),
    description: errno instanceof Error ? errno.message : String(error),
    cause: error
  })
}

/**
 * Builds `File.Info` from Node's stats as a plain object with every field filled, like
 * the stock layer. Accessor properties that built the rarely read fields on demand were
 * tried: V8 then promoted far more short-lived objects, and on a home of 100,000
 * workspaces `stat` took twice as long.
 */
const toFileInfo = (stat: NFS.Stats): FileSystem.File.Info => ({
  type: stat.isFile()
    ? "File"
    : stat.isDirectory()
    ? "Directory"
    : stat.isSymbolicLink()
    ? "SymbolicLink"
    : stat.isBlockDevice()
    ? "BlockDevice"
    : stat.isCharacterDevice()
    ? "CharacterDevice"
    : stat.isFIFO()
    ? "FIFO"
    : stat.isSocket()
    ? "Socket"
    : "Unknown",
  mtime: Option.some(stat.mtime),
  atime: Option.some(stat.atime),
  birthtime: Option.some(stat.birthtime),
  dev: stat.dev,
  rdev: Option.some(stat.rdev),
  ino: Option.some(stat.ino),
  mode: stat.mode,
  nlink: Option.some(stat.nlink),
  uid: Option.some(stat.uid),
  gid: Option.some(stat.gid),
  size: FileSystem.Size(stat.size),
  blksize: Option.some(FileSystem.Size(stat.blksize)),
  blocks: Option.some(stat.blocks)
})
