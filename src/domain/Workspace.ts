/**
 * One session folder of a Mux home: `<home>/sessions/<workspaceId>/`.
 * `workspaceId` is the folder name as listed, which is not always a valid id
 * (legacy workspaces have long names, and a folder name can hold any byte).
 */
export interface WorkspaceFolder {
  /** Real path of the home the folder was found in. */
  readonly home: string
  readonly workspaceId: string
  readonly folderPath: string
  readonly ledgerPath: string
}

/** File name of the per-workspace usage ledger. */
export const LEDGER_FILE_NAME = "session-usage.json"
