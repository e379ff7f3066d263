import { Schema } from "effect"

const LedgerFields = {
  path: Schema.String,
  workspaceId: Schema.String
}

/** The workspace folder has no `session-usage.json`, or it vanished between listing and reading. */
export class LedgerMissing extends Schema.TaggedError<LedgerMissing>()("LedgerMissing", LedgerFields) {
  readonly code = "ledger-missing"
  override get message(): string {
    return `ledger not found: ${this.path} (workspace ${this.workspaceId}); the workspace has no recorded usage yet or the file was removed while reading, so nothing is counted for it`
  }
}

/** The ledger exists but cannot be read: permission denied, a folder in its place, a dangling or looping link. */
export class LedgerUnreadable extends Schema.TaggedError<LedgerUnreadable>()("LedgerUnreadable", {
  ...LedgerFields,
  reason: Schema.String
}) {
  readonly code = "ledger-unreadable"
  override get message(): string {
    return `cannot read ledger ${this.path} (workspace ${this.workspaceId}): ${this.reason}; fix the file's permissions or type and run again`
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
    return `ledger too large: ${this.path} (workspace ${this.workspaceId}) is ${this.sizeBytes} bytes, above the limit of ${this.limitBytes}; it was not read. Check what wrote it, or raise the limit with --max-ledger-bytes`
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
    return `malformed ledger ${this.path} (workspace ${this.workspaceId}): ${this.detail}; Mux rebuilds a broken ledger from chat history when the workspace is next opened`
  }
}

/** The ledger is a JSON object without a `byModel` object. */
export class LedgerWithoutByModel extends Schema.TaggedError<LedgerWithoutByModel>()("LedgerWithoutByModel", {
  ...LedgerFields,
  detail: Schema.String
}) {
  readonly code = "ledger-no-by-model"
  override get message(): string {
    return `ledger without usage: ${this.path} (workspace ${this.workspaceId}) ${this.detail}; it holds no per-model usage to count`
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
    return `unsupported ledger version ${JSON.stringify(this.version) ?? "undefined"} in ${this.path} (workspace ${this.workspaceId}); only version 1 is known, so the file is not read. Update mux-collector if a newer Mux wrote it`
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
    return `invalid model entry ${JSON.stringify(this.modelKey)} in ${this.path} (workspace ${this.workspaceId}): ${this.field} ${this.problem}; the entry is skipped and the file's other entries still count`
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
