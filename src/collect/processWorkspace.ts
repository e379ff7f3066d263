import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Either } from "effect"
import { decodeLedger } from "../decode/decodeLedger.js"
import type { LedgerOutcome } from "../domain/Outcome.js"
import type { WorkspaceFolder } from "../domain/Workspace.js"
import type { WorkspaceInfo } from "../domain/WorkspaceConfig.js"
import { toTurnRecords } from "../map/toTurnRecords.js"
import { type LedgerText, readLedger, readLedgerSync } from "../read/readLedger.js"
import { smallFileReaderOf } from "../read/smallFileReads.js"

export interface ProcessSettings {
  readonly nowMs: number
  readonly maxLedgerBytes: number
}

/** One workspace to process: its folder and its entry in `config.json`, if any. */
export interface WorkspaceToProcess {
  readonly folder: WorkspaceFolder
  readonly workspace: WorkspaceInfo | undefined
}

/**
 * Reads, decodes and maps one workspace's ledger. Every failure becomes a value in the
 * outcome; the effect itself never fails, so one bad file cannot stop the run.
 */
export const processWorkspace = (
  { folder, workspace }: WorkspaceToProcess,
  settings: ProcessSettings
): Effect.Effect<LedgerOutcome, never, FileSystem.FileSystem> =>
  readLedger(folder, settings.maxLedgerBytes).pipe(
    Effect.map((file) => toOutcome(folder, workspace, file, settings)),
    Effect.catchAll((error): Effect.Effect<LedgerOutcome> =>
      Effect.succeed(
        error._tag === "NotAWorkspaceFolder"
          ? { _tag: "FolderSkipped", folder, workspace }
          : { _tag: "LedgerFailed", folder, workspace, error }
      )
    )
  )

/**
 * Processes workspaces in order, with the outcomes of `processWorkspace`. When the
 * `FileSystem` carries a `SmallFileReader`, readable ledgers are read in one synchronous
 * loop. Only the others go through `processWorkspace`, whose errors name the problem.
 */
export const processWorkspaces = (
  workspaces: ReadonlyArray<WorkspaceToProcess>,
  settings: ProcessSettings
): Effect.Effect<Array<LedgerOutcome>, never, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => {
    const read = smallFileReaderOf(fs)
    if (read === undefined) return Effect.forEach(workspaces, (workspace) => processWorkspace(workspace, settings))

    return Effect.suspend(() => {
      const outcomes: Array<LedgerOutcome> = new Array(workspaces.length)
      const unread: Array<number> = []
      for (let index = 0; index < workspaces.length; index++) {
        const { folder, workspace } = workspaces[index] as WorkspaceToProcess
        const file = readLedgerSync(read, folder, settings.maxLedgerBytes)
        if (file === undefined) unread.push(index)
        else outcomes[index] = toOutcome(folder, workspace, file, settings)
      }
      if (unread.length === 0) return Effect.succeed(outcomes)
      return Effect.as(
        Effect.forEach(unread, (index) =>
          Effect.map(processWorkspace(workspaces[index] as WorkspaceToProcess, settings), (outcome) => {
            outcomes[index] = outcome
          }), { discard: true }),
        outcomes
      )
    })
  })

/** Decodes and maps a ledger that was read. */
const toOutcome = (
  folder: WorkspaceFolder,
  workspace: WorkspaceInfo | undefined,
  file: LedgerText,
  settings: ProcessSettings
): LedgerOutcome => {
  const decoded = decodeLedger(file.text, { path: folder.ledgerPath, workspaceId: folder.workspaceId })
  if (Either.isLeft(decoded)) return { _tag: "LedgerFailed", folder, workspace, error: decoded.left }

  const { invalidEntries, ledger } = decoded.right
  const records = toTurnRecords(folder, ledger, { nowMs: settings.nowMs, modifiedAt: file.modifiedAt, workspace })
  return {
    _tag: "LedgerCounted",
    folder,
    workspace,
    records,
    invalidEntries,
    lastRequestMs: ledger.lastRequestMs,
    fileId: file.fileId,
    rolledUpFrom: ledger.rolledUpFrom
  }
}
