import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect } from "effect"
import { compareCodeUnits } from "../domain/compareCodeUnits.js"
import { SessionsUnreadable } from "../domain/errors.js"
import type { Home } from "../domain/Home.js"
import { LEDGER_FILE_NAME, type WorkspaceFolder } from "../domain/Workspace.js"
import { type FolderEntry, folderEntryListerOf } from "../read/smallFileReads.js"

/** The workspace folders of a home. */
export interface WorkspaceListing {
  /** Folder names, sorted by code unit. */
  readonly ids: Array<string>
  /** The names that are symbolic links, when the `FileSystem` reports links (the Node layer does). */
  readonly linked: ReadonlySet<string>
}

/**
 * Lists the workspace ids of a home: every entry of `sessions/`, one level down
 * only, so the copies of removed sub-agents under a parent's `subagent-transcripts/`
 * are never taken for workspaces. Names are sorted by code unit, so the order in which
 * the file system lists them changes nothing. A home without `sessions/` has no
 * workspaces yet.
 */
export const listWorkspaces = (
  home: Home
): Effect.Effect<WorkspaceListing, SessionsUnreadable, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const sessionsPath = path.join(home.path, "sessions")

    const listEntries = folderEntryListerOf(fs)
    const entries: Effect.Effect<Array<FolderEntry>, PlatformError> = listEntries === undefined
      ? Effect.map(fs.readDirectory(sessionsPath), (names) => names.map((name) => ({ name, isSymbolicLink: false })))
      : listEntries(sessionsPath)

    const listed = yield* entries.pipe(
      Effect.catchIf(
        (error) => error._tag === "SystemError" && error.reason === "NotFound",
        () => Effect.succeed([] as Array<FolderEntry>)
      ),
      Effect.mapError((error) =>
        new SessionsUnreadable({
          home: home.path,
          path: sessionsPath,
          reason: error._tag === "SystemError" && error.reason === "PermissionDenied"
            ? "permission denied"
            : error.description ?? error.message
        })
      )
    )

    return {
      ids: listed.map((entry) => entry.name).sort(compareCodeUnits),
      linked: new Set(listed.filter((entry) => entry.isSymbolicLink).map((entry) => entry.name))
    }
  })

/**
 * Builds the paths of one workspace folder. Folders are built one at a time while the
 * stream runs, so a home of 100,000 workspaces holds only their names in memory. A
 * listed name is one path segment, so the paths are joined by concatenation, which
 * allocates a fraction of what `path.join` does. Any other name goes through `path.join`.
 */
export const toWorkspaceFolder = (homePath: string, workspaceId: string, path: Path.Path): WorkspaceFolder => {
  if (!isOneSegment(workspaceId, path)) {
    const folderPath = path.join(homePath, "sessions", workspaceId)
    return { home: homePath, workspaceId, folderPath, ledgerPath: path.join(folderPath, LEDGER_FILE_NAME) }
  }
  const folderPath = sessionsPrefixOf(homePath, path) + workspaceId
  return { home: homePath, workspaceId, folderPath, ledgerPath: folderPath + path.sep + LEDGER_FILE_NAME }
}

/** A name that `path.join` would append unchanged: not empty, not `.` or `..`, with no separator. */
const isOneSegment = (name: string, path: Path.Path): boolean =>
  name.length > 0 && name !== "." && name !== ".." && !name.includes("/") && !name.includes(path.sep)

/** The last home's `<home>/sessions/` prefix: the stream builds folders of one home after another. */
let lastPrefix: { readonly homePath: string; readonly path: Path.Path; readonly prefix: string } | undefined

const sessionsPrefixOf = (homePath: string, path: Path.Path): string => {
  if (lastPrefix === undefined || lastPrefix.homePath !== homePath || lastPrefix.path !== path) {
    lastPrefix = { homePath, path, prefix: path.join(homePath, "sessions") + path.sep }
  }
  return lastPrefix.prefix
}
