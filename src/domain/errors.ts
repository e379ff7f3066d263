import { Schema } from "effect"

/** Maximum length of a value from a file that a message quotes. */
const MAX_QUOTED_LENGTH = 80

/**
 * Quotes a value from a file for a message, bounded in size: a hostile file can hold a
 * string of megabytes or arrays nested thousands deep, which `JSON.stringify` would copy
 * whole or overflow the stack on.
 */
export const describeValue = (value: unknown): string => {
  if (typeof value === "string") {
    const quoted = JSON.stringify(value.length > MAX_QUOTED_LENGTH ? value.slice(0, MAX_QUOTED_LENGTH) : value)
    return value.length > MAX_QUOTED_LENGTH ? `${quoted.slice(0, -1)}..." (${value.length} characters)` : quoted
  }
  if (value === null || typeof value === "number" || typeof value === "boolean") return String(value)
  if (Array.isArray(value)) return "an array"
  return `a value of type ${typeof value}`
}

const LedgerFields = {
  path: Schema.String,
  workspaceId: Schema.String
}

/** The workspace folder has no `session-usage.json`, or it vanished between listing and reading. */
export class LedgerMissing extends Schema.TaggedError<LedgerMissing>()("LedgerMissing", LedgerFields) {
  readonly code = "ledger-missing"
  override get message(): string {
    return `ledger not found: ${this.path} (workspace ${this.workspaceId}). The workspace has no usage recorded yet, or the file was removed during the run, so nothing is counted for it. Run again if Mux was writing it`
  }
}

/** The ledger exists but cannot be read: permission denied, a folder in its place, a dangling or looping link. */
export class LedgerUnreadable extends Schema.TaggedError<LedgerUnreadable>()("LedgerUnreadable", {
  ...LedgerFields,
  reason: Schema.String
}) {
  readonly code = "ledger-unreadable"
  override get message(): string {
    return `cannot read ledger ${this.path} (workspace ${this.workspaceId}): ${this.reason}, so nothing is counted for it. Make the path a regular file the current user can read (check its permissions and any symbolic links), then run again`
  }
}

/** The ledger is larger than any ledger Mux writes, so it is not read. */
export class LedgerTooLarge extends Schema.TaggedError<LedgerTooLarge>()("LedgerTooLarge", {
  ...LedgerFields,
  sizeBytes: Schema.Number,
  limitBytes: Schema.Number
}) {
  readonly code = "ledger-too-large"
  override get message(): string {
    return `ledger too large: ${this.path} (workspace ${this.workspaceId}) is ${this.sizeBytes} bytes, above the limit of ${this.limitBytes} bytes, so it was not read. Mux's ledgers are a few kilobytes. Check what wrote this file, or raise the limit with --max-ledger-bytes (maxLedgerBytes in the library)`
  }
}

/** The ledger is not valid JSON: empty, cut off, or not JSON at all. */
export class LedgerMalformed extends Schema.TaggedError<LedgerMalformed>()("LedgerMalformed", {
  ...LedgerFields,
  kind: Schema.Literal("empty", "truncated", "invalid-json", "not-an-object"),
  detail: Schema.String
}) {
  readonly code = "ledger-malformed"
  override get message(): string {
    return `malformed ledger ${this.path} (workspace ${this.workspaceId}): ${this.detail}. Nothing is counted for this workspace. Open the workspace in Mux, which rebuilds a broken ledger from its chat history, then run again`
  }
}

/** The ledger is a JSON object without a `byModel` object. */
export class LedgerWithoutByModel extends Schema.TaggedError<LedgerWithoutByModel>()("LedgerWithoutByModel", {
  ...LedgerFields,
  detail: Schema.String
}) {
  readonly code = "ledger-no-by-model"
  override get message(): string {
    return `invalid ledger ${this.path} (workspace ${this.workspaceId}): it ${this.detail}, so nothing is counted for this workspace. Open the workspace in Mux to rebuild the ledger, then run again`
  }
}

/** The ledger's `version` is not 1, the only version Mux has written. */
export class LedgerVersionUnsupported extends Schema.TaggedError<LedgerVersionUnsupported>()(
  "LedgerVersionUnsupported",
  {
    ...LedgerFields,
    version: Schema.Unknown
  }
) {
  readonly code = "ledger-version-unsupported"
  override get message(): string {
    if (this.version === undefined) {
      return `ledger without version: ${this.path} (workspace ${this.workspaceId}) has byModel but no version field, so it is not read as version 1. Check what wrote this file`
    }
    return `unsupported ledger version ${describeValue(this.version)} in ${this.path} (workspace ${this.workspaceId}): only version 1 is known, so the file is not read. Update mux-collector if a newer Mux wrote it`
  }
}

/** One `byModel` entry is invalid; the ledger's other entries still count. */
export class ModelEntryInvalid extends Schema.TaggedError<ModelEntryInvalid>()("ModelEntryInvalid", {
  ...LedgerFields,
  modelKey: Schema.String,
  field: Schema.String,
  problem: Schema.String
}) {
  readonly code = "model-entry-invalid"
  override get message(): string {
    return `invalid model entry ${describeValue(this.modelKey)} in ${this.path} (workspace ${this.workspaceId}): field ${this.field}: ${this.problem}. The entry is skipped, and the file's other entries still count`
  }
}

/** Every error that concerns one ledger file. */
export type LedgerError =
  | LedgerMissing
  | LedgerUnreadable
  | LedgerTooLarge
  | LedgerMalformed
  | LedgerWithoutByModel
  | LedgerVersionUnsupported
  | ModelEntryInvalid

/** Errors that make a whole ledger unusable. */
export type LedgerFileError = Exclude<LedgerError, ModelEntryInvalid>

/** An entry of `sessions/` that is not a workspace folder (a file, a FIFO, ...). It is skipped, not counted as an error. */
export class NotAWorkspaceFolder extends Schema.TaggedError<NotAWorkspaceFolder>()("NotAWorkspaceFolder", LedgerFields) {
  readonly code = "not-a-workspace-folder"
  override get message(): string {
    return `skipped ${this.path}: it is an entry of sessions/ that is not a workspace folder`
  }
}

/** A home named with `--root` (or an environment variable) does not exist or is not a folder. */
export class HomeNotFound extends Schema.TaggedError<HomeNotFound>()("HomeNotFound", {
  path: Schema.String,
  reason: Schema.String
}) {
  readonly code = "home-not-found"
  override get message(): string {
    return `Mux home not found: ${this.path} ${this.reason}. Pass the folder that contains sessions/ and config.json, such as ~/.mux, with --root`
  }
}

/** A home's `sessions/` folder exists but cannot be listed. */
export class SessionsUnreadable extends Schema.TaggedError<SessionsUnreadable>()("SessionsUnreadable", {
  home: Schema.String,
  path: Schema.String,
  reason: Schema.String
}) {
  readonly code = "sessions-unreadable"
  override get message(): string {
    return `cannot list workspaces in ${this.path}: ${this.reason}, so no ledger of this home was read. Make sessions/ a folder the current user can read, then run again`
  }
}

/** Every error that concerns a whole home. */
export type HomeError = HomeNotFound | SessionsUnreadable

/** No Mux home was found in any of the default places. */
export class NoHomeFound extends Schema.TaggedError<NoHomeFound>()("NoHomeFound", {
  lookedAt: Schema.Array(Schema.String)
}) {
  readonly code = "no-home-found"
  override get message(): string {
    return `no Mux home found; looked at ${this.lookedAt.join(", ")}. Pass one with --root DIR (the folder that contains sessions/), or set XUM_ROOT`
  }
}

/** A home's `config.json` is missing or cannot be decoded. Records are still emitted, without project metadata. */
export class ConfigUnusable extends Schema.TaggedError<ConfigUnusable>()("ConfigUnusable", {
  home: Schema.String,
  path: Schema.String,
  problem: Schema.String
}) {
  readonly code = "config-unusable"
  override get message(): string {
    return `cannot use ${this.path}: ${this.problem}. Usage is still counted, but without projects, titles or sub-agent links`
  }
}

/** One workspace entry of `config.json` does not have the expected shape; it is ignored. */
export class ConfigWorkspaceInvalid extends Schema.TaggedError<ConfigWorkspaceInvalid>()("ConfigWorkspaceInvalid", {
  home: Schema.String,
  path: Schema.String,
  location: Schema.String,
  problem: Schema.String
}) {
  readonly code = "config-workspace-invalid"
  override get message(): string {
    return `invalid entry at ${this.location} in ${this.path}: ${this.problem}. The entry is ignored, and the usage of the workspaces it lists counts without project metadata`
  }
}

/** An analysis needs finer data than the records carry, so it would print an empty or wrong result. */
export class GranularityUnavailable extends Schema.TaggedError<GranularityUnavailable>()("GranularityUnavailable", {
  needed: Schema.Literal("per-tool", "per-call"),
  workspaces: Schema.Number,
  records: Schema.Number
}) {
  readonly code = "granularity-unavailable"
  override get message(): string {
    const what = this.needed === "per-tool" ? "per-tool attribution" : "per-call attribution"
    return `${what} is unavailable: Mux ledgers contain per-model totals per workspace only, with no tool calls and no individual calls. None of the ${this.records} records from ${this.workspaces} workspaces can be split that way, so group by model, provider, workspace, project, agent or day instead`
  }
}
