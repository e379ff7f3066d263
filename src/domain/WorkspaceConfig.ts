import { Schema } from "effect"

/**
 * The fields of a workspace in `config.json` that the collector reads. The file also
 * contains credentials and settings, so nothing else is decoded, and the file is never
 * printed or logged.
 */
export const ConfigWorkspace = Schema.Struct({
  id: Schema.String,
  name: Schema.optional(Schema.NullOr(Schema.String)),
  title: Schema.optional(Schema.NullOr(Schema.String)),
  path: Schema.optional(Schema.NullOr(Schema.String)),
  createdAt: Schema.optional(Schema.NullOr(Schema.String)),
  archivedAt: Schema.optional(Schema.NullOr(Schema.String)),
  unarchivedAt: Schema.optional(Schema.NullOr(Schema.String)),
  parentWorkspaceId: Schema.optional(Schema.NullOr(Schema.String)),
  agentType: Schema.optional(Schema.NullOr(Schema.String))
})
export type ConfigWorkspace = typeof ConfigWorkspace.Type

/** One `[projectPath, project]` pair of the `projects` list. Workspaces are decoded one by one. */
export const ConfigProject = Schema.Tuple(
  Schema.String,
  Schema.Struct({ workspaces: Schema.optional(Schema.Array(Schema.Unknown)) })
)

/** The top level of `config.json`, as far as the collector reads it. */
export const ConfigEnvelope = Schema.Struct({
  projects: Schema.optional(Schema.Array(Schema.Unknown))
})

/** A workspace's entry in `config.json`, after decoding. */
export interface WorkspaceInfo {
  readonly id: string
  readonly project: string
  readonly projectKey: string
  readonly name?: string
  readonly title?: string
  readonly createdAt?: string
  readonly archived: boolean
  readonly parentWorkspaceId?: string
  readonly agentType?: string
}

/** The workspaces of one home by id, from its `config.json`. */
export interface WorkspaceDirectory {
  /** False when `config.json` is missing or cannot be decoded: then nothing is known about any workspace. */
  readonly available: boolean
  readonly workspaces: ReadonlyMap<string, WorkspaceInfo>
}
