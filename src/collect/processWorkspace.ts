import type * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Either } from "effect"
import { decodeLedger } from "../decode/decodeLedger.js"
import type { LedgerOutcome } from "../domain/Outcome.js"
import type { WorkspaceFolder } from "../domain/Workspace.js"
import type { WorkspaceInfo } from "../domain/WorkspaceConfig.js"
import { toTurnRecords } from "../map/toTurnRecords.js"
import { readLedger } from "../read/readLedger.js"

export interface ProcessSettings {
  readonly nowMs: number
  readonly maxLedgerBytes: number
}

/**
 * Reads, decodes and maps one workspace's ledger. Every failure becomes a value in the
 * outcome; the effect itself never fails, so one bad file cannot stop the run.
 */
export const processWorkspace = (
  folder: WorkspaceFolder,
  workspace: WorkspaceInfo | undefined,
  settings: ProcessSettings
): Effect.Effect<LedgerOutcome, never, FileSystem.FileSystem> =>
  readLedger(folder, settings.maxLedgerBytes).pipe(
    Effect.map((file): LedgerOutcome => {
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
    }),
    Effect.catchAll((error): Effect.Effect<LedgerOutcome> =>
      Effect.succeed(
        error._tag === "NotAWorkspaceFolder"
          ? { _tag: "FolderSkipped", folder, workspace }
          : { _tag: "LedgerFailed", folder, workspace, error }
      )
    )
  )
