import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Option } from "effect"
import { LedgerMissing, LedgerTooLarge, LedgerUnreadable, NotAWorkspaceFolder } from "../domain/errors.js"
import type { WorkspaceFolder } from "../domain/Workspace.js"
import { stripByteOrderMark } from "./byteOrderMark.js"
import type { SmallFileReader } from "./smallFileReads.js"

/**
 * Default size limit for one ledger: 16 MiB. Mux's ledgers hold one small entry per
 * model, so real files are a few kilobytes; a file this large was not written by Mux.
 */
export const DEFAULT_MAX_LEDGER_BYTES = 16 * 1024 * 1024

/** A ledger's text as read, before decoding. */
export interface LedgerText {
  readonly text: string
  readonly modifiedAt: Option.Option<Date>
  /** Device and inode, when the file system reports them: the same file reached through two paths has one. */
  readonly fileId: readonly [device: number, inode: number] | undefined
}

/** Failure to read a ledger. */
export type ReadLedgerError = LedgerMissing | LedgerUnreadable | LedgerTooLarge | NotAWorkspaceFolder

/**
 * Reads one workspace's ledger through the `FileSystem` service. The size is checked
 * with `stat` before reading, so an oversized file is never loaded into memory.
 * A leading byte-order mark is removed.
 */
export const readLedger = (
  folder: WorkspaceFolder,
  maxLedgerBytes: number = DEFAULT_MAX_LEDGER_BYTES
): Effect.Effect<LedgerText, ReadLedgerError, FileSystem.FileSystem> =>
  // Written as a flatMap chain, not Effect.gen: this runs once per workspace, and a
  // generator per call costs more than the read itself on a home of small ledgers.
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    fs.stat(folder.ledgerPath).pipe(
      Effect.flatMap((info): Effect.Effect<LedgerText, PlatformError | LedgerUnreadable | LedgerTooLarge> => {
        const problem = checkFileInfo(folder, info, maxLedgerBytes)
        if (problem !== undefined) return Effect.fail(problem)
        return Effect.flatMap(fs.readFileString(folder.ledgerPath), (text) => {
          // The file can be replaced by a larger one between `stat` and the read.
          if (text.length > maxLedgerBytes) {
            return Effect.fail(
              new LedgerTooLarge({ ...idsOf(folder), sizeBytes: text.length, limitBytes: maxLedgerBytes })
            )
          }
          return Effect.succeed<LedgerText>({
            text: stripByteOrderMark(text),
            modifiedAt: info.mtime,
            fileId: Option.isSome(info.ino) && info.ino.value !== 0 ? [info.dev, info.ino.value] : undefined
          })
        })
      }),
      Effect.catchAll((error): Effect.Effect<never, ReadLedgerError> =>
        error._tag === "SystemError" || error._tag === "BadArgument"
          ? explainFailure(fs, folder, error)
          : Effect.fail(error)
      )
    ))

/**
 * Reads one ledger through a `SmallFileReader`, with no Effect. Returns `undefined` when
 * the reader could not read it, and `readLedger` then finds out why.
 */
export const readLedgerSync = (
  read: SmallFileReader,
  folder: WorkspaceFolder,
  maxLedgerBytes: number
): LedgerText | undefined => {
  const file = read(folder.ledgerPath, maxLedgerBytes)
  if (file === undefined) return undefined
  return {
    text: stripByteOrderMark(file.text),
    modifiedAt: Option.some(file.modifiedAt),
    fileId: file.inode !== 0 ? [file.device, file.inode] : undefined
  }
}

const idsOf = (folder: WorkspaceFolder) => ({ path: folder.ledgerPath, workspaceId: folder.workspaceId })

/** Rejects anything but a regular file within the size limit, before it is read. */
const checkFileInfo = (
  folder: WorkspaceFolder,
  info: FileSystem.File.Info,
  maxLedgerBytes: number
): LedgerUnreadable | LedgerTooLarge | undefined => {
  if (info.type === "Directory") return new LedgerUnreadable({ ...idsOf(folder), reason: "it is a folder, not a file" })
  if (info.type !== "File") {
    return new LedgerUnreadable({ ...idsOf(folder), reason: `it is not a regular file (type ${info.type})` })
  }
  const sizeBytes = Number(info.size)
  if (sizeBytes > maxLedgerBytes) return new LedgerTooLarge({ ...idsOf(folder), sizeBytes, limitBytes: maxLedgerBytes })
  return undefined
}

/** Turns a file-system failure on the ledger path into the typed error a person can act on. */
const explainFailure = (
  fs: FileSystem.FileSystem,
  folder: WorkspaceFolder,
  error: PlatformError
): Effect.Effect<never, LedgerMissing | LedgerUnreadable | NotAWorkspaceFolder> => {
  const ids = idsOf(folder)
  if (error._tag === "BadArgument") {
    return Effect.fail(new LedgerUnreadable({ ...ids, reason: error.description ?? "invalid path" }))
  }
  const errno = errnoCode(error)
  if (error.reason === "NotFound") {
    // A link whose target is gone reads as "not found", so report it as a dangling link.
    return fs.readLink(folder.ledgerPath).pipe(
      Effect.matchEffect({
        onFailure: () => explainMissing(fs, folder),
        onSuccess: (target) =>
          Effect.fail(new LedgerUnreadable({ ...ids, reason: `it is a symbolic link to ${target}, which does not exist` }))
      })
    )
  }
  if (errno === "ENOTDIR") {
    return Effect.fail(new NotAWorkspaceFolder({ path: folder.folderPath, workspaceId: folder.workspaceId }))
  }
  if (error.reason === "PermissionDenied") {
    return Effect.fail(new LedgerUnreadable({ ...ids, reason: "permission denied" }))
  }
  if (errno === "ELOOP") {
    return Effect.fail(new LedgerUnreadable({ ...ids, reason: "its path is a loop of symbolic links" }))
  }
  if (errno === "EISDIR") {
    return Effect.fail(new LedgerUnreadable({ ...ids, reason: "it is a folder, not a file" }))
  }
  return Effect.fail(new LedgerUnreadable({ ...ids, reason: error.description ?? error.reason }))
}

/**
 * Distinguishes a ledger that is missing from one that cannot be reached: the workspace
 * folder is a symbolic link whose target is gone, or its name is not valid UTF-8. Node
 * lists such a name with U+FFFD in place of the invalid bytes, and that name opens nothing.
 */
const explainMissing = (
  fs: FileSystem.FileSystem,
  folder: WorkspaceFolder
): Effect.Effect<never, LedgerMissing | LedgerUnreadable> => {
  const ids = idsOf(folder)
  if (folder.workspaceId.includes("\uFFFD")) {
    return Effect.fail(
      new LedgerUnreadable({
        ...ids,
        reason:
          "the workspace folder's name is not valid UTF-8 (shown with U+FFFD), so it cannot be opened by name; rename the folder to a valid UTF-8 name"
      })
    )
  }
  return Effect.flatMap(Effect.either(fs.readLink(folder.folderPath)), (link) => {
    if (link._tag === "Left") return Effect.fail(new LedgerMissing(ids))
    return Effect.flatMap(Effect.orElseSucceed(fs.exists(folder.folderPath), () => true), (targetExists) =>
      Effect.fail(
        targetExists
          ? new LedgerMissing(ids)
          : new LedgerUnreadable({
            ...ids,
            reason: `the workspace folder is a symbolic link to ${link.right}, which does not exist`
          })
      ))
  })
}

/** Finds the Node errno code (`ENOTDIR`, `ELOOP`, ...) behind a `SystemError`, when there is one. */
const errnoCode = (error: PlatformError): string | undefined => {
  const cause = error.cause as { code?: unknown } | undefined
  if (typeof cause?.code === "string") return cause.code
  const match = /\b(E[A-Z]{2,})\b/.exec(error.description ?? "")
  return match?.[1]
}
