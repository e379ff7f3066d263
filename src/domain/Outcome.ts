import type { ConfigUnusable, ConfigWorkspaceInvalid, LedgerFileError, ModelEntryInvalid, SessionsUnreadable } from "./errors.js"
import type { Home } from "./Home.js"
import type { RollUpEntry } from "./Ledger.js"
import type { TurnRecord } from "./TurnRecord.js"
import type { WorkspaceFolder } from "./Workspace.js"
import type { WorkspaceInfo } from "./WorkspaceConfig.js"
import type { SessionRelationshipRecord } from "./SessionRelationshipRecord.js"

/** Result of reading one workspace folder. */
export type LedgerOutcome = LedgerCounted | LedgerSetAside | LedgerFailed | FolderSkipped

interface OutcomeBase {
  readonly folder: WorkspaceFolder
  /** The workspace's entry in `config.json`, when it has one. */
  readonly workspace: WorkspaceInfo | undefined
}

/** A decoded ledger whose records count. `invalidEntries` were skipped; the other entries count. */
export interface LedgerCounted extends OutcomeBase {
  readonly _tag: "LedgerCounted"
  readonly records: ReadonlyArray<TurnRecord>
  readonly invalidEntries: ReadonlyArray<ModelEntryInvalid>
  readonly lastRequestMs: number | undefined
  /** Device and inode of the ledger file, when known. */
  readonly fileId: readonly [device: number, inode: number] | undefined
  readonly rolledUpFrom: ReadonlyArray<readonly [childWorkspaceId: string, entry: RollUpEntry]>
}

/**
 * A decoded ledger that does not count because its usage is already counted elsewhere:
 * inside a parent's ledger (a rolled-up sub-agent), in a copy of the same workspace in
 * another home, or as the same file reached through another path.
 */
export interface LedgerSetAside extends OutcomeBase {
  readonly _tag: "LedgerSetAside"
  readonly records: ReadonlyArray<TurnRecord>
  readonly invalidEntries: ReadonlyArray<ModelEntryInvalid>
  /** The set-aside ledger's own roll-ups: its children's usage is inside it, and so inside its parent. */
  readonly rolledUpFrom: ReadonlyArray<readonly [childWorkspaceId: string, entry: RollUpEntry]>
  readonly reason: SetAsideReason
}

export type SetAsideReason =
  | { readonly kind: "rolled-up"; readonly parentWorkspaceId: string; readonly parentLedgerPath: string }
  | { readonly kind: "duplicate-workspace"; readonly keptLedgerPath: string }
  | { readonly kind: "same-file"; readonly keptLedgerPath: string }

/** A ledger that could not be used at all. */
export interface LedgerFailed extends OutcomeBase {
  readonly _tag: "LedgerFailed"
  readonly error: LedgerFileError
}

/** An entry of `sessions/` that is not a workspace folder (a file, a FIFO, ...). */
export interface FolderSkipped extends OutcomeBase {
  readonly _tag: "FolderSkipped"
}

/** A home about to be read, with what its `config.json` and `sessions/` gave. */
export interface HomeOpened {
  readonly _tag: "HomeOpened"
  readonly home: Home
  readonly workspaceFolders: number
  readonly configAvailable: boolean
  readonly problems: ReadonlyArray<ConfigUnusable | ConfigWorkspaceInvalid | SessionsUnreadable>
}

/** A workspace listed in `config.json` that has no session folder: it was never used. */
export interface WorkspaceNeverUsed {
  readonly _tag: "WorkspaceNeverUsed"
  readonly home: string
  readonly workspace: WorkspaceInfo
}

/**
 * Roll-up data that contradicts itself: a cycle of workspaces that each claim the next,
 * a child claimed by two parents, or a child counted before a parent claimed it.
 * Each workspace's own ledger is then counted once, and the anomaly is reported.
 */
export interface RollUpAnomaly {
  readonly _tag: "RollUpAnomaly"
  readonly kind: "cycle" | "several-parents" | "claimed-after-counting" | "self-claim"
  readonly workspaceId: string
  readonly ledgerPath: string
  readonly parentWorkspaceIds: ReadonlyArray<string>
}

/** A parent-child link between workspaces, for analysers that group by session tree. */
export interface RelationshipFound {
  readonly _tag: "RelationshipFound"
  readonly relationship: SessionRelationshipRecord
}

/** Every element of the collector's stream. */
export type CollectorEvent =
  | HomeOpened
  | LedgerOutcome
  | WorkspaceNeverUsed
  | RollUpAnomaly
  | RelationshipFound
