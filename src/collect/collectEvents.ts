import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Chunk, Clock, Effect, Either, Stream } from "effect"
import { findHomes } from "../discover/findHomes.js"
import { listWorkspaces, toWorkspaceFolder, type WorkspaceListing } from "../discover/listWorkspaces.js"
import type { HomeNotFound, NoHomeFound } from "../domain/errors.js"
import type { Home } from "../domain/Home.js"
import type { CollectorEvent, HomeOpened, WorkspaceNeverUsed } from "../domain/Outcome.js"
import type { WorkspaceDirectory, WorkspaceInfo } from "../domain/WorkspaceConfig.js"
import { readConfig } from "../read/readConfig.js"
import { DEFAULT_MAX_LEDGER_BYTES } from "../read/readLedger.js"
import { processWorkspaces } from "./processWorkspace.js"
import { findRelationships } from "./relationships.js"
import { SetAsideResolver } from "./SetAsideResolver.js"

export interface CollectOptions {
  /** Homes to read. Empty: every default home that exists (`$XUM_ROOT`, `$MUX_ROOT`, `~/.xum`, `~/.mux`, `~/.cmux`). */
  readonly roots?: ReadonlyArray<string>
  /** Ledgers larger than this many bytes are reported and not read. */
  readonly maxLedgerBytes?: number
}

/** Workspaces handled per stream chunk: large enough to amortize the stream's per-chunk cost, small enough to bound memory. */
const WORKSPACES_PER_CHUNK = 256

interface OpenedHome {
  readonly home: Home
  readonly workspaceIds: ReadonlyArray<string>
  /** Workspace folders that are symbolic links. */
  readonly linkedIds: ReadonlySet<string>
  readonly directory: WorkspaceDirectory
  readonly opened: HomeOpened
  /** Workspaces `config.json` lists that have no session folder. */
  readonly withoutFolder: ReadonlyArray<WorkspaceInfo>
}

/**
 * Streams everything the collector finds in the Mux homes. Each home starts with a
 * `HomeOpened` event, followed by one `LedgerOutcome` per workspace folder (counted, set
 * aside, failed or skipped). The stream ends with roll-up anomalies, the workspaces
 * `config.json` lists that were never used, and the relationships between workspaces.
 *
 * Per-file failures are values in the stream. The stream fails only when no home can be
 * found, or when an explicit root does not exist or is not a Mux home. Files are read
 * through `FileSystem`, and nothing is written (a test counts the write calls).
 */
export const collectEvents = (
  options: CollectOptions = {}
): Stream.Stream<CollectorEvent, HomeNotFound | NoHomeFound, FileSystem.FileSystem | Path.Path> =>
  Stream.unwrap(
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const homes = yield* findHomes(options.roots ?? [])
      const opened = yield* Effect.forEach(homes, openHome)
      const settings = {
        nowMs: yield* Clock.currentTimeMillis,
        maxLedgerBytes: options.maxLedgerBytes ?? DEFAULT_MAX_LEDGER_BYTES
      }

      const directories = new Map(opened.map((home) => [home.home.path, home.directory]))
      const linkedIdsByHome = new Map(opened.map((home) => [home.home.path, home.linkedIds]))
      const resolver = new SetAsideResolver(
        idsInSeveralHomes(opened),
        (home, workspaceId) => linkedIdsByHome.get(home)?.has(workspaceId) === true,
        (home, workspaceId) => toWorkspaceFolder(home, workspaceId, path).ledgerPath,
        (workspaceId) => opened.find((home) => isListed(home.workspaceIds, workspaceId))?.home.path
      )

      const readHome = ({ directory, home, opened, workspaceIds }: OpenedHome) =>
        Stream.concat(
          Stream.make(opened),
          Stream.fromIteratorSucceed(workspaceIds.values(), WORKSPACES_PER_CHUNK).pipe(
            Stream.mapChunksEffect((ids) =>
              Effect.map(
                processWorkspaces(
                  Chunk.toReadonlyArray(ids).map((workspaceId) => ({
                    folder: toWorkspaceFolder(home.path, workspaceId, path),
                    workspace: directory.workspaces.get(workspaceId)
                  })),
                  settings
                ),
                (outcomes) => Chunk.unsafeFromArray(outcomes.flatMap((outcome) => resolver.admit(outcome)))
              )
            ),
            Stream.provideService(FileSystem.FileSystem, fs)
          )
        )

      const finish = Stream.suspend(() => {
        const events = resolver.finish()
        // A listed workspace without a folder whose usage a parent claims was rolled up and removed, not unused.
        const neverUsed = opened.flatMap((home) =>
          home.withoutFolder
            .filter((workspace) => resolver.claimsOf(workspace.id).length === 0)
            .map((workspace): WorkspaceNeverUsed => ({ _tag: "WorkspaceNeverUsed", home: home.home.path, workspace }))
        )
        return Stream.fromIterable(events).pipe(
          Stream.concat(Stream.fromIterable(neverUsed)),
          Stream.concat(Stream.fromIteratorSucceed(findRelationships(directories.values(), resolver), 1024))
        )
      })

      return Stream.concat(Stream.concatAll(Chunk.unsafeFromArray(opened.map(readHome))), finish)
    })
  )

/** Reads a home's `config.json` and lists its workspaces, before any ledger is read. */
const openHome = (home: Home): Effect.Effect<OpenedHome, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const config = yield* readConfig(home)
    const listing = yield* Effect.either(listWorkspaces(home))
    const { ids: workspaceIds, linked: linkedIds } = Either.getOrElse(
      listing,
      (): WorkspaceListing => ({ ids: [], linked: new Set() })
    )
    const onDisk = new Set(workspaceIds)

    const withoutFolder = Either.isLeft(listing)
      ? []
      : [...config.directory.workspaces.values()].filter((workspace) => !onDisk.has(workspace.id))
    const opened: HomeOpened = {
      _tag: "HomeOpened",
      home,
      workspaceFolders: workspaceIds.length,
      configAvailable: config.directory.available,
      problems: Either.isLeft(listing) ? [...config.problems, listing.left] : config.problems
    }
    return { home, workspaceIds, linkedIds, directory: config.directory, opened, withoutFolder }
  })

/** Binary search in a listing sorted by code unit, as `listWorkspaces` returns it. */
const isListed = (sortedIds: ReadonlyArray<string>, workspaceId: string): boolean => {
  let low = 0
  let high = sortedIds.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const id = sortedIds[middle] as string
    if (id === workspaceId) return true
    if (id < workspaceId) low = middle + 1
    else high = middle - 1
  }
  return false
}

const idsInSeveralHomes = (homes: ReadonlyArray<OpenedHome>): Set<string> => {
  if (homes.length < 2) return new Set()
  const seen = new Set<string>()
  const repeated = new Set<string>()
  for (const home of homes) {
    for (const id of home.workspaceIds) {
      if (seen.has(id)) repeated.add(id)
      else seen.add(id)
    }
  }
  return repeated
}
