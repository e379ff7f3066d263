/**
 * A read-only, in-memory `FileSystem.FileSystem` for tests, built from a
 * plain object that describes the tree.
 *
 * Spec shape (`MemoryTreeSpec`): keys are absolute, normalized POSIX paths
 * such as "/home/mux/config.json", and each value is one of
 *
 *   "text" or new Uint8Array([...])          a file with these contents
 *   { content, mtime?, permissionDenied? }   a file with attributes
 *   { directory: true, mtime?, permissionDenied? }
 *                                            a directory, possibly empty
 *   { symlink: "target" }                    a symbolic link with a relative
 *                                            or absolute target, which may
 *                                            dangle or form a loop
 *
 * Parent directories of every key are created implicitly. A directory lists its
 * entries in the order they were first created from the spec's key order
 * unless the `listOrder` option reorders them. String contents are stored as
 * UTF-8. `permissionDenied` makes reads of a file fail with EACCES. On a
 * directory it makes listing fail but still allows paths through it, like mode
 * 0o111.
 *
 * Read errors mirror `NodeFileSystem.layer` from @effect/platform-node
 * 0.108 on Linux with Node 20. They have the same `reason`, `method`,
 * `syscall` and `description` text, and a `cause` shaped like
 * `NodeJS.ErrnoException` (`code`, Linux `errno`, `syscall`, `path`). The
 * tests in MemoryFileSystem.test.ts compare both layers case by case.
 *
 * All read methods work, including `open` with flag "r" and `stream`.
 * `readFile` returns a plain Uint8Array where Node returns a Buffer.
 * `exists`, `readFileString`, `stream` and `sink` come from
 * `FileSystem.make`, as in the Node layer, so `readFileString` decodes with
 * TextDecoder: invalid UTF-8 becomes U+FFFD and a leading BOM is dropped.
 *
 * Every write-family call fails with reason "PermissionDenied" and is
 * recorded, so a test can assert that the code under test never writes.
 * These failures have no Node counterpart. Node would, for example, succeed
 * on `remove` with `force` for a missing path.
 */
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Path from "node:path"

// == Spec

/** A file with attributes. */
export interface MemoryFileSpec {
  readonly content: string | Uint8Array
  /** Modification time that `stat` reports. The default is `defaultMtime`. */
  readonly mtime?: Date
  /** When true, reading the file fails with EACCES but `stat` still works. */
  readonly permissionDenied?: boolean
}

/** A directory, which may have no entries. */
export interface MemoryDirectorySpec {
  readonly directory: true
  /** Modification time that `stat` reports. The default is `defaultMtime`. */
  readonly mtime?: Date
  /** When true, listing the directory fails with EACCES, but paths through it still resolve. */
  readonly permissionDenied?: boolean
}

/** A symbolic link. The target is stored as written and resolved when used. */
export interface MemorySymlinkSpec {
  readonly symlink: string
}

/** One entry of a `MemoryTreeSpec`. A bare string or byte array is a file. */
export type MemoryEntrySpec = string | Uint8Array | MemoryFileSpec | MemoryDirectorySpec | MemorySymlinkSpec

/** Absolute POSIX path to entry. */
export type MemoryTreeSpec = Readonly<Record<string, MemoryEntrySpec>>

/** Options for `makeMemoryFileSystem`. */
export interface MemoryFileSystemOptions {
  /**
   * Reorders the entry names of one directory before `readDirectory` returns
   * them. It must return a permutation of its input, or the call dies with a
   * defect. The default keeps insertion order.
   */
  readonly listOrder?: (names: Array<string>) => Array<string>
  /** Modification time of entries that declare none. The default is the Unix epoch. */
  readonly defaultMtime?: Date
}

/** A rejected write-family call, recorded for test failure messages. */
export interface WriteAttempt {
  readonly method: string
  readonly path: string
}

/** The layer plus counters that observe how the code under test used it. */
export interface MemoryFileSystem {
  readonly layer: Layer.Layer<FileSystem.FileSystem>
  readonly fileSystem: FileSystem.FileSystem
  /** Number of write-family calls so far. Every one of them failed. */
  readonly writeCalls: () => number
  /** Write-family calls so far, in call order. */
  readonly writeAttempts: () => ReadonlyArray<WriteAttempt>
  /**
   * Number of read-family calls so far (access, readDirectory, readFile,
   * readLink, realPath, stat, open for reading). The derived methods
   * `exists`, `readFileString` and `stream` count once each, through the
   * primitive they call.
   */
  readonly readCalls: () => number
}

// == Tree

interface FileNode {
  readonly kind: "File"
  readonly ino: number
  readonly bytes: Uint8Array
  readonly mtime: Date
  readonly permissionDenied: boolean
}

/** A directory. Its attributes stay mutable while `buildTree` runs, so a later key can declare them. */
interface DirectoryNode {
  readonly kind: "Directory"
  readonly ino: number
  readonly children: Map<string, Node>
  mtime: Date
  permissionDenied: boolean
  /** True while the directory exists only as the parent of other keys. */
  implicit: boolean
}

interface SymlinkNode {
  readonly kind: "SymbolicLink"
  readonly ino: number
  readonly target: string
  readonly mtime: Date
}

type Node = FileNode | DirectoryNode | SymlinkNode

type Entry =
  | { readonly kind: "File"; readonly bytes: Uint8Array; readonly mtime: Date; readonly permissionDenied: boolean }
  | { readonly kind: "Directory"; readonly mtime: Date; readonly permissionDenied: boolean }
  | { readonly kind: "SymbolicLink"; readonly target: string; readonly mtime: Date }

const invalidSpec = (path: string, problem: string) =>
  new Error(`Invalid memory file system spec at "${path}": ${problem}`)

const parseEntry = (path: string, entry: MemoryEntrySpec, defaultMtime: Date): Entry => {
  if (typeof entry === "string" || entry instanceof Uint8Array) {
    return { kind: "File", bytes: toBytes(entry), mtime: defaultMtime, permissionDenied: false }
  }
  if ("symlink" in entry) {
    if (typeof entry.symlink !== "string" || entry.symlink === "") {
      throw invalidSpec(path, "a symlink target must be a non-empty string")
    }
    return { kind: "SymbolicLink", target: entry.symlink, mtime: defaultMtime }
  }
  if ("directory" in entry) {
    return {
      kind: "Directory",
      mtime: entry.mtime ?? defaultMtime,
      permissionDenied: entry.permissionDenied ?? false
    }
  }
  if ("content" in entry) {
    return {
      kind: "File",
      bytes: toBytes(entry.content),
      mtime: entry.mtime ?? defaultMtime,
      permissionDenied: entry.permissionDenied ?? false
    }
  }
  throw invalidSpec(path, "expected a string, a Uint8Array, { content }, { directory: true } or { symlink }")
}

const toBytes = (content: string | Uint8Array): Uint8Array =>
  typeof content === "string" ? new TextEncoder().encode(content) : Uint8Array.from(content)

/** Splits a spec key into names, rejecting anything that is not an absolute, normalized path. */
const parseSpecPath = (path: string): Array<string> => {
  if (!path.startsWith("/")) {
    throw invalidSpec(path, "paths must be absolute")
  }
  if (path === "/") {
    return []
  }
  if (Path.posix.normalize(path) !== path || path.endsWith("/")) {
    throw invalidSpec(path, `paths must be normalized, without a trailing slash; write "${Path.posix.normalize(path).replace(/\/$/, "")}"`)
  }
  return path.slice(1).split("/")
}

const buildTree = (spec: MemoryTreeSpec, defaultMtime: Date): DirectoryNode => {
  let nextIno = 1
  const newDirectory = (mtime: Date, implicit: boolean): DirectoryNode => ({
    kind: "Directory",
    ino: nextIno++,
    children: new Map(),
    mtime,
    permissionDenied: false,
    implicit
  })
  const root = newDirectory(defaultMtime, true)

  for (const [path, rawEntry] of Object.entries(spec)) {
    const names = parseSpecPath(path)
    const entry = parseEntry(path, rawEntry, defaultMtime)
    let parent = root
    for (const [index, name] of names.slice(0, -1).entries()) {
      const child = parent.children.get(name)
      if (child === undefined) {
        const directory = newDirectory(defaultMtime, true)
        parent.children.set(name, directory)
        parent = directory
      } else if (child.kind === "Directory") {
        parent = child
      } else {
        const ancestor = "/" + names.slice(0, index + 1).join("/")
        throw invalidSpec(path, `its ancestor "${ancestor}" is declared as a ${child.kind}, not a Directory`)
      }
    }

    const name = names.at(-1)
    const existing = name === undefined ? root : parent.children.get(name)
    if (existing !== undefined) {
      // Keys are unique, so `existing` is a directory created implicitly as the parent of an earlier key.
      // Declaring it as a directory sets its attributes, and declaring it as anything else is a conflict.
      if (existing.kind !== "Directory" || !existing.implicit || entry.kind !== "Directory") {
        throw invalidSpec(path, `it is declared as a ${entry.kind}, but other keys are below it`)
      }
      existing.mtime = entry.mtime
      existing.permissionDenied = entry.permissionDenied
      existing.implicit = false
      continue
    }
    if (name === undefined) {
      continue
    }
    const node: Node = entry.kind === "Directory"
      ? { ...newDirectory(entry.mtime, false), permissionDenied: entry.permissionDenied }
      : { ...entry, ino: nextIno++ }
    parent.children.set(name, node)
  }
  return root
}

// == Path resolution

/** Linux MAXSYMLINKS: a lookup that follows more links than this fails with ELOOP. */
const MAX_SYMLINKS = 40

type ErrnoCode = "ENOENT" | "EACCES" | "EISDIR" | "ENOTDIR" | "ELOOP" | "EINVAL" | "EBADF"

type Lookup =
  | { readonly ok: true; readonly node: Node; readonly realNames: ReadonlyArray<string> }
  | { readonly ok: false; readonly code: ErrnoCode }

/**
 * Splits a path into names. A trailing slash becomes a final "." so the last
 * name must resolve to a directory, following a link if needed, as the kernel does.
 */
const splitPath = (path: string): Array<string> => {
  const names = path.split("/").filter((name) => name !== "")
  if (path.endsWith("/") && names.length > 0) {
    names.push(".")
  }
  return names
}

/**
 * Resolves a path the way Linux path lookup does, walking one name at a time.
 * A ".." goes to the parent of the real directory reached so far, so after a
 * link it is physical, not lexical. Links are followed up to MAX_SYMLINKS in
 * total, and relative paths resolve from "/".
 */
const lookup = (root: DirectoryNode, path: string, followFinalLink: boolean): Lookup => {
  if (path === "") {
    return { ok: false, code: "ENOENT" }
  }
  const pending = splitPath(path)
  const realNames: Array<string> = []
  const directories: Array<DirectoryNode> = [root]
  let linksFollowed = 0

  while (pending.length > 0) {
    const name = pending.shift()!
    const directory = directories.at(-1)!
    if (name === ".") {
      continue
    }
    if (name === "..") {
      if (directories.length > 1) {
        directories.pop()
        realNames.pop()
      }
      continue
    }

    const child = directory.children.get(name)
    if (child === undefined) {
      return { ok: false, code: "ENOENT" }
    }
    const isFinal = pending.length === 0
    if (child.kind === "SymbolicLink" && (!isFinal || followFinalLink)) {
      linksFollowed += 1
      if (linksFollowed > MAX_SYMLINKS) {
        return { ok: false, code: "ELOOP" }
      }
      if (child.target.startsWith("/")) {
        directories.splice(1)
        realNames.splice(0)
      }
      pending.unshift(...splitPath(child.target))
      continue
    }
    if (isFinal) {
      return { ok: true, node: child, realNames: [...realNames, name] }
    }
    if (child.kind !== "Directory") {
      return { ok: false, code: "ENOTDIR" }
    }
    directories.push(child)
    realNames.push(name)
  }
  return { ok: true, node: directories.at(-1)!, realNames }
}

type RealPathResult =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly code: ErrnoCode; readonly syscall: "lstat" | "stat"; readonly failedPath: string }

/**
 * Mirrors Node's callback `fs.realpath`, which is written in JavaScript:
 * it first resolves ".." lexically against the working directory, then calls
 * lstat on each prefix, and on each link it calls stat on that prefix. An
 * error therefore names that prefix and that syscall, not the input path.
 */
const resolveRealPath = (root: DirectoryNode, input: string): RealPathResult => {
  const names = Path.posix.resolve("/", input).split("/").filter((name) => name !== "")
  let realNames: ReadonlyArray<string> = []
  let directory: DirectoryNode = root

  for (const [index, name] of names.entries()) {
    const prefix = "/" + [...realNames, name].join("/")
    const child = directory.children.get(name)
    if (child === undefined) {
      return { ok: false, code: "ENOENT", syscall: "lstat", failedPath: prefix }
    }

    let node: Node = child
    if (child.kind === "SymbolicLink") {
      const target = lookup(root, prefix, true)
      if (!target.ok) {
        return { ok: false, code: target.code, syscall: "stat", failedPath: prefix }
      }
      node = target.node
      realNames = target.realNames
    } else {
      realNames = [...realNames, name]
    }

    const next = names[index + 1]
    if (next !== undefined) {
      if (node.kind !== "Directory") {
        const failedPath = "/" + [...realNames, next].join("/")
        return { ok: false, code: "ENOTDIR", syscall: "lstat", failedPath }
      }
      directory = node
    }
  }
  return { ok: true, path: "/" + realNames.join("/") }
}

// == Errors

/** Linux errno numbers and libuv messages, as Node reports them. */
const ERRNO: Record<ErrnoCode, { readonly errno: number; readonly message: string }> = {
  ENOENT: { errno: -2, message: "no such file or directory" },
  EBADF: { errno: -9, message: "bad file descriptor" },
  EACCES: { errno: -13, message: "permission denied" },
  ENOTDIR: { errno: -20, message: "not a directory" },
  EISDIR: { errno: -21, message: "illegal operation on a directory" },
  EINVAL: { errno: -22, message: "invalid argument" },
  ELOOP: { errno: -40, message: "too many symbolic links encountered" }
}

/** The reason `handleErrnoException` in @effect/platform-node-shared gives each code. */
const REASON: Record<ErrnoCode, PlatformError.SystemErrorReason> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EISDIR: "BadResource",
  ENOTDIR: "BadResource",
  ELOOP: "BadResource",
  EINVAL: "Unknown",
  EBADF: "Unknown"
}

/** Builds an error shaped like the one Node throws; `path` is left out where Node leaves it out. */
const makeErrnoException = (code: ErrnoCode, syscall: string, path?: string): NodeJS.ErrnoException => {
  const { errno, message } = ERRNO[code]
  const suffix = path === undefined ? "" : ` '${path}'`
  const error: NodeJS.ErrnoException = new Error(`${code}: ${message}, ${syscall}${suffix}`)
  error.errno = errno
  error.code = code
  error.syscall = syscall
  if (path !== undefined) {
    error.path = path
  }
  return error
}

interface ErrnoFailure {
  readonly code: ErrnoCode
  readonly method: string
  readonly syscall: string
  /** The `pathOrDescriptor` field: the caller's path or file descriptor. */
  readonly pathOrDescriptor: string | number
  /** The path Node names in the message, if any; it can differ from `pathOrDescriptor`. */
  readonly messagePath?: string
  /** Text appended to `description`, which otherwise equals the cause's message. */
  readonly note?: string
}

const systemError = (failure: ErrnoFailure): PlatformError.SystemError => {
  const cause = makeErrnoException(failure.code, failure.syscall, failure.messagePath)
  return new PlatformError.SystemError({
    reason: REASON[failure.code],
    module: "FileSystem",
    method: failure.method,
    pathOrDescriptor: failure.pathOrDescriptor,
    syscall: failure.syscall,
    description: failure.note === undefined ? cause.message : `${cause.message} ${failure.note}`,
    cause
  })
}

// == File info

const DIRECTORY_SIZE = FileSystem.Size(4096)
const BLOCK_SIZE = FileSystem.Size(4096)

/**
 * Builds the `stat` result. Directories report size 4096 as ext4 does, and mode
 * bits are 0o644 for files and 0o755 for directories, with no read bits on
 * entries that deny permission.
 */
const makeInfo = (node: FileNode | DirectoryNode): FileSystem.File.Info => {
  const isFile = node.kind === "File"
  const size = isFile ? FileSystem.Size(node.bytes.length) : DIRECTORY_SIZE
  const permissionBits = isFile
    ? (node.permissionDenied ? 0o000 : 0o644)
    : (node.permissionDenied ? 0o111 : 0o755)
  const subdirectoryCount = isFile
    ? 0
    : [...node.children.values()].filter((child) => child.kind === "Directory").length
  return {
    type: node.kind,
    mtime: Option.some(new Date(node.mtime)),
    atime: Option.some(new Date(node.mtime)),
    birthtime: Option.some(new Date(node.mtime)),
    dev: 1,
    ino: Option.some(node.ino),
    mode: (isFile ? 0o100000 : 0o040000) | permissionBits,
    nlink: Option.some(isFile ? 1 : 2 + subdirectoryCount),
    uid: Option.some(0),
    gid: Option.some(0),
    rdev: Option.some(0),
    size,
    blksize: Option.some(BLOCK_SIZE),
    blocks: Option.some(Number((size + BLOCK_SIZE - 1n) / BLOCK_SIZE) * 8)
  }
}

// == File system

/**
 * Builds an in-memory, read-only file system from `spec`.
 *
 * Throws when the spec is invalid, for example a relative key or a key below
 * a file. Relative paths passed to its methods resolve from "/".
 */
export const makeMemoryFileSystem = (
  spec: MemoryTreeSpec,
  options: MemoryFileSystemOptions = {}
): MemoryFileSystem => {
  const root = buildTree(spec, options.defaultMtime ?? new Date(0))
  const listOrder = options.listOrder ?? ((names) => names)
  const writes: Array<WriteAttempt> = []
  let readCount = 0
  let nextDescriptor = 3

  const countRead = <A, E, R>(effect: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      readCount += 1
      return effect()
    })

  /** Records a write-family call and fails it with EACCES, because this file system never changes. */
  const rejectWrite = (method: string, syscall: string, pathOrDescriptor: string | number) =>
    Effect.suspend(() => {
      writes.push({ method, path: String(pathOrDescriptor) })
      const note = "(the in-memory test file system rejects every write)"
      const failure: ErrnoFailure = typeof pathOrDescriptor === "string"
        ? { code: "EACCES", method, syscall, pathOrDescriptor, messagePath: pathOrDescriptor, note }
        : { code: "EACCES", method, syscall, pathOrDescriptor, note }
      return Effect.fail(systemError(failure))
    })

  /** Fails with the error Node gives when the path lookup itself fails, naming the input path. */
  const lookupOrFail = (path: string, followFinalLink: boolean, method: string, syscall: string) => {
    const result = lookup(root, path, followFinalLink)
    return result.ok
      ? Effect.succeed(result.node)
      : Effect.fail(systemError({ code: result.code, method, syscall, pathOrDescriptor: path, messagePath: path }))
  }

  /** Like `lookupOrFail` with links followed, so the result is a file or a directory. */
  const followOrFail = (path: string, method: string, syscall: string) =>
    Effect.flatMap(
      lookupOrFail(path, true, method, syscall),
      (node) => node.kind === "SymbolicLink" ? Effect.die(new Error(`MemoryFileSystem bug: lookup with links followed returned a link for ${path}`)) : Effect.succeed(node)
    )

  /** Applies `listOrder` and dies if it does not return a permutation of the names. */
  const orderedNames = (directory: DirectoryNode): Array<string> => {
    const names = [...directory.children.keys()]
    const ordered = listOrder([...names])
    const sortedInput = [...names].sort()
    const sortedOutput = [...ordered].sort()
    const isPermutation = sortedInput.length === sortedOutput.length &&
      sortedInput.every((name, index) => name === sortedOutput[index])
    if (!isPermutation) {
      throw new Error(
        `listOrder must return a permutation of its input: got ${JSON.stringify(ordered)} for ${JSON.stringify(names)}`
      )
    }
    return ordered
  }

  const stat = (path: string) =>
    countRead(() =>
      Effect.map(followOrFail(path, "stat", "stat"), makeInfo)
    )

  const access = (path: string, accessOptions?: FileSystem.AccessFileOptions) =>
    countRead(() =>
      Effect.flatMap(followOrFail(path, "access", "access"), (node) => {
        // NOTE: `writable` is checked like `readable`, so it passes on every entry that allows reading.
        const checksPermission = accessOptions?.readable === true || accessOptions?.writable === true
        if (checksPermission && node.permissionDenied) {
          return Effect.fail(
            systemError({ code: "EACCES", method: "access", syscall: "access", pathOrDescriptor: path, messagePath: path })
          )
        }
        return Effect.void
      })
    )

  const readFile = (path: string) =>
    countRead(() =>
      Effect.flatMap(followOrFail(path, "readFile", "open"), (node) => {
        if (node.permissionDenied) {
          return Effect.fail(
            systemError({ code: "EACCES", method: "readFile", syscall: "open", pathOrDescriptor: path, messagePath: path })
          )
        }
        if (node.kind === "Directory") {
          // Node opens a directory without error; the following read fails, and its message names no path.
          return Effect.fail(
            systemError({ code: "EISDIR", method: "readFile", syscall: "read", pathOrDescriptor: path })
          )
        }
        // A copy, so a caller that mutates the result cannot change the tree.
        return Effect.succeed(Uint8Array.from(node.bytes))
      })
    )

  /**
   * Lists one directory, or with `recursive` every entry below it as relative
   * paths. The recursive order copies Node 20's fs.promises.readdir: it lists
   * a directory, then takes the most recently found subdirectory from a stack, and
   * follows links to directories.
   */
  const readDirectory = (path: string, readOptions?: FileSystem.ReadDirectoryOptions) =>
    countRead(() =>
      Effect.flatMap(followOrFail(path, "readDirectory", "scandir"), (node) =>
        Effect.suspend(() => {
          const listDirectory = (directory: FileNode | DirectoryNode, directoryPath: string) => {
            if (directory.kind !== "Directory") {
              return Effect.fail(systemError({
                code: "ENOTDIR",
                method: "readDirectory",
                syscall: "scandir",
                pathOrDescriptor: path,
                messagePath: directoryPath
              }))
            }
            if (directory.permissionDenied) {
              return Effect.fail(systemError({
                code: "EACCES",
                method: "readDirectory",
                syscall: "scandir",
                pathOrDescriptor: path,
                messagePath: directoryPath
              }))
            }
            return Effect.succeed(orderedNames(directory))
          }

          if (readOptions?.recursive !== true) {
            return listDirectory(node, path)
          }

          return Effect.gen(function*() {
            const result: Array<string> = []
            const stack: Array<{ readonly relative: string; readonly names: Array<string> }> = [
              { relative: "", names: yield* listDirectory(node, path) }
            ]
            while (stack.length > 0) {
              const { names, relative } = stack.pop()!
              for (const name of names) {
                const entryRelative = relative === "" ? name : `${relative}/${name}`
                result.push(entryRelative)
                const entryPath = Path.posix.join(path, entryRelative)
                const entry = lookup(root, entryPath, true)
                if (entry.ok && entry.node.kind === "Directory") {
                  stack.push({ relative: entryRelative, names: yield* listDirectory(entry.node, entryPath) })
                }
              }
            }
            return result
          })
        }))
    )

  const readLink = (path: string) =>
    countRead(() =>
      Effect.flatMap(lookupOrFail(path, false, "readLink", "readlink"), (node) =>
        node.kind === "SymbolicLink"
          ? Effect.succeed(node.target)
          : Effect.fail(
            systemError({ code: "EINVAL", method: "readLink", syscall: "readlink", pathOrDescriptor: path, messagePath: path })
          ))
    )

  const realPath = (path: string) =>
    countRead(() => {
      const result = resolveRealPath(root, path)
      return result.ok
        ? Effect.succeed(result.path)
        : Effect.fail(systemError({
          code: result.code,
          method: "realPath",
          syscall: result.syscall,
          pathOrDescriptor: path,
          messagePath: result.failedPath
        }))
    })

  const open = (path: string, openOptions?: FileSystem.OpenFileOptions) => {
    const flag = openOptions?.flag ?? "r"
    if (flag !== "r") {
      return rejectWrite("open", "open", path)
    }
    return countRead(() =>
      Effect.flatMap(followOrFail(path, "open", "open"), (target) => {
        if (target.permissionDenied) {
          return Effect.fail(
            systemError({ code: "EACCES", method: "open", syscall: "open", pathOrDescriptor: path, messagePath: path })
          )
        }
        const descriptor = FileSystem.FileDescriptor(nextDescriptor++)
        return Effect.acquireRelease(
          Effect.sync(() => new MemoryFile(descriptor, target, rejectWrite)),
          (file) => Effect.sync(() => file.close())
        )
      })
    )
  }

  const fileSystem = FileSystem.make({
    access,
    chmod: (path) => rejectWrite("chmod", "chmod", path),
    chown: (path) => rejectWrite("chown", "chown", path),
    copy: (fromPath) => rejectWrite("copy", "cp", fromPath),
    copyFile: (fromPath) => rejectWrite("copyFile", "copyfile", fromPath),
    link: (existingPath) => rejectWrite("link", "link", existingPath),
    makeDirectory: (path) => rejectWrite("makeDirectory", "mkdir", path),
    makeTempDirectory: (tempOptions) => rejectWrite("makeTempDirectory", "mkdtemp", tempTemplate(tempOptions)),
    makeTempDirectoryScoped: (tempOptions) =>
      rejectWrite("makeTempDirectoryScoped", "mkdtemp", tempTemplate(tempOptions)),
    makeTempFile: (tempOptions) => rejectWrite("makeTempFile", "mkdtemp", tempTemplate(tempOptions)),
    makeTempFileScoped: (tempOptions) => rejectWrite("makeTempFileScoped", "mkdtemp", tempTemplate(tempOptions)),
    open,
    readDirectory,
    readFile,
    readLink,
    realPath,
    remove: (path) => rejectWrite("remove", "rm", path),
    rename: (oldPath) => rejectWrite("rename", "rename", oldPath),
    stat,
    symlink: (_target, path) => rejectWrite("symlink", "symlink", path),
    truncate: (path) => rejectWrite("truncate", "open", path),
    // The Node layer names this method "utime".
    utimes: (path) => rejectWrite("utime", "utime", path),
    writeFile: (path) => rejectWrite("writeFile", "open", path),
    // Nothing in this tree ever changes, so a watch emits no event and never ends.
    watch: (path) => Stream.unwrap(Effect.as(stat(path), Stream.never))
  })

  return {
    layer: Layer.succeed(FileSystem.FileSystem, fileSystem),
    fileSystem,
    writeCalls: () => writes.length,
    writeAttempts: () => [...writes],
    readCalls: () => readCount
  }
}

/** Builds the template path that Node passes to mkdtemp, so the rejection names a path. */
const tempTemplate = (options?: FileSystem.MakeTempDirectoryOptions): string => {
  const directory = options?.directory === undefined ? "/tmp" : Path.posix.join(options.directory, ".")
  const prefix = options?.prefix ?? ""
  return prefix === "" ? `${directory}/` : Path.posix.join(directory, prefix)
}

type RejectWrite = (method: string, syscall: string, pathOrDescriptor: string | number) => Effect.Effect<never, PlatformError.SystemError>

/**
 * A handle opened with flag "r". Reads follow the Node layer: a directory opens
 * but every read fails with EISDIR, a position past the end reads 0 bytes,
 * and a read after the scope closes fails with EBADF. Writes are rejected
 * and counted like every other write-family call, where Node would fail
 * with EBADF because the handle is read-only.
 */
class MemoryFile implements FileSystem.File {
  readonly [FileSystem.FileTypeId]: FileSystem.FileTypeId = FileSystem.FileTypeId
  private position = 0n
  private closed = false

  constructor(
    readonly fd: FileSystem.File.Descriptor,
    private readonly node: FileNode | DirectoryNode,
    private readonly rejectWrite: RejectWrite
  ) {}

  close(): void {
    this.closed = true
  }

  get stat() {
    return Effect.suspend(() =>
      this.closed
        ? Effect.fail(systemError({ code: "EBADF", method: "stat", syscall: "fstat", pathOrDescriptor: this.fd }))
        : Effect.succeed(makeInfo(this.node))
    )
  }

  get sync() {
    return Effect.void
  }

  seek(offset: FileSystem.SizeInput, from: FileSystem.SeekMode) {
    return Effect.sync(() => {
      const size = FileSystem.Size(offset)
      this.position = from === "start" ? size : this.position + size
    })
  }

  /** Copies bytes at the current position into `buffer` and advances past them. */
  private readInto(buffer: Uint8Array, method: string): Effect.Effect<number, PlatformError.SystemError> {
    return Effect.suspend(() => {
      if (this.closed) {
        return Effect.fail(systemError({ code: "EBADF", method, syscall: "read", pathOrDescriptor: this.fd }))
      }
      if (this.node.kind === "Directory") {
        return Effect.fail(systemError({ code: "EISDIR", method, syscall: "read", pathOrDescriptor: this.fd }))
      }
      // NOTE: a negative position, reachable with seek(-n, "current"), reads from offset 0 here.
      const start = this.position < 0n ? 0 : Number(this.position)
      const bytes = this.node.bytes.subarray(start, start + buffer.length)
      buffer.set(bytes)
      this.position = this.position + BigInt(bytes.length)
      return Effect.succeed(bytes.length)
    })
  }

  read(buffer: Uint8Array) {
    return Effect.map(this.readInto(buffer, "read"), FileSystem.Size)
  }

  readAlloc(size: FileSystem.SizeInput) {
    return Effect.suspend(() => {
      const buffer = new Uint8Array(Number(size))
      return Effect.map(
        this.readInto(buffer, "readAlloc"),
        (bytesRead) => bytesRead === 0 ? Option.none() : Option.some(buffer.subarray(0, bytesRead))
      )
    })
  }

  truncate() {
    return this.rejectWrite("truncate", "ftruncate", this.fd)
  }

  write() {
    return this.rejectWrite("write", "write", this.fd)
  }

  writeAll() {
    return this.rejectWrite("writeAll", "write", this.fd)
  }
}
