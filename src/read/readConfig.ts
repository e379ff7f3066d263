import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect, Either, ParseResult, Schema } from "effect"
import { stripByteOrderMark } from "./byteOrderMark.js"
import { ConfigUnusable, ConfigWorkspaceInvalid } from "../domain/errors.js"
import type { Home } from "../domain/Home.js"
import {
  ConfigEnvelope,
  ConfigProject,
  ConfigWorkspace,
  type WorkspaceDirectory,
  type WorkspaceInfo
} from "../domain/WorkspaceConfig.js"

/** `config.json` is read whole; a file above this size (64 MiB) is not Mux's. */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024

export interface ConfigReadResult {
  readonly directory: WorkspaceDirectory
  readonly problems: ReadonlyArray<ConfigUnusable | ConfigWorkspaceInvalid>
}

const decodeEnvelope = Schema.decodeUnknownEither(ConfigEnvelope)
const decodeProject = Schema.decodeUnknownEither(ConfigProject)
const decodeWorkspace = Schema.decodeUnknownEither(ConfigWorkspace)

/**
 * Reads the workspace list of a home's `config.json`. The file can hold credentials, so
 * error details name only the location and the expected type, never a value from the file.
 */
export const readConfig = (home: Home): Effect.Effect<ConfigReadResult, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const configPath = path.join(home.path, "config.json")
    const unusable = (problem: string): ConfigReadResult => ({
      directory: { available: false, workspaces: new Map() },
      problems: [new ConfigUnusable({ home: home.path, path: configPath, problem })]
    })

    const info = yield* Effect.either(fs.stat(configPath))
    if (Either.isLeft(info)) {
      const error = info.left
      return unusable(
        error._tag === "SystemError" && error.reason === "NotFound"
          ? "the file does not exist"
          : `the file cannot be read (${error._tag === "SystemError" ? error.reason : "invalid path"})`
      )
    }
    if (info.right.type !== "File") return unusable("it is not a regular file")
    if (Number(info.right.size) > MAX_CONFIG_BYTES) return unusable(`it is larger than ${MAX_CONFIG_BYTES} bytes`)

    const text = yield* Effect.either(fs.readFileString(configPath))
    if (Either.isLeft(text)) {
      const error = text.left
      return unusable(`the file cannot be read (${error._tag === "SystemError" ? error.reason : "invalid path"})`)
    }
    const raw = stripByteOrderMark(text.right)

    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch (error) {
      // V8's message quotes part of the text, which may be a credential: keep only the position.
      const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1]
      return unusable(`not valid JSON${position === undefined ? "" : ` (at byte offset ${position})`}`)
    }
    const envelope = decodeEnvelope(parsed)
    if (Either.isLeft(envelope)) return unusable(describe(envelope.left, "a JSON object with a projects list"))

    const workspaces = new Map<string, WorkspaceInfo>()
    const problems: Array<ConfigWorkspaceInvalid> = []
    const invalid = (location: string, problem: string) =>
      problems.push(new ConfigWorkspaceInvalid({ home: home.path, path: configPath, location, problem }))

    for (const [projectIndex, rawProject] of (envelope.right.projects ?? []).entries()) {
      const project = decodeProject(rawProject)
      if (Either.isLeft(project)) {
        invalid(`projects[${projectIndex}]`, describe(project.left, "a [projectPath, { workspaces: [...] }] pair"))
        continue
      }
      const [projectPath, { workspaces: rawWorkspaces = [] }] = project.right
      const projectKey = normalizeProjectPath(projectPath, path)
      for (const [workspaceIndex, rawWorkspace] of rawWorkspaces.entries()) {
        // Almost every entry is valid: the guard accepts exactly what the schema accepts, and
        // only a rejected entry pays for the schema's decoding and error message.
        if (isValidConfigWorkspace(rawWorkspace)) {
          workspaces.set(rawWorkspace.id, toWorkspaceInfo(rawWorkspace, projectPath, projectKey))
          continue
        }
        const workspace = decodeWorkspace(rawWorkspace)
        if (Either.isLeft(workspace)) {
          invalid(`projects[${projectIndex}][1].workspaces[${workspaceIndex}]`, describe(workspace.left, "an object with a string id"))
          continue
        }
        workspaces.set(workspace.right.id, toWorkspaceInfo(workspace.right, projectPath, projectKey))
      }
    }
    return { directory: { available: true, workspaces }, problems }
  })

const OPTIONAL_WORKSPACE_FIELDS = [
  "name",
  "title",
  "path",
  "createdAt",
  "archivedAt",
  "unarchivedAt",
  "parentWorkspaceId",
  "agentType"
] as const

/** Checks a value as `Schema.is(ConfigWorkspace)` does, without the schema's per-field work. */
export const isValidConfigWorkspace = (value: unknown): value is ConfigWorkspace => {
  if (typeof value !== "object" || value === null) return false
  const workspace = value as Record<string, unknown>
  if (typeof workspace["id"] !== "string") return false
  for (const field of OPTIONAL_WORKSPACE_FIELDS) {
    const fieldValue = workspace[field]
    if (fieldValue !== undefined && fieldValue !== null && typeof fieldValue !== "string") return false
  }
  return true
}

const toWorkspaceInfo = (workspace: ConfigWorkspace, projectPath: string, projectKey: string): WorkspaceInfo => {
  const optional = <K extends string>(key: K, value: string | null | undefined) =>
    typeof value === "string" ? ({ [key]: value } as { [P in K]: string }) : {}
  return {
    id: workspace.id,
    project: projectPath,
    projectKey,
    ...optional("name", workspace.name),
    ...optional("title", workspace.title),
    ...optional("createdAt", workspace.createdAt),
    archived: isArchived(workspace.archivedAt, workspace.unarchivedAt),
    ...optional("parentWorkspaceId", workspace.parentWorkspaceId),
    ...optional("agentType", workspace.agentType)
  }
}

/** Normalizes a project path into a stable grouping key, without a trailing separator. */
export const normalizeProjectPath = (projectPath: string, path: Path.Path): string => {
  const normalized = path.normalize(projectPath)
  return normalized.length > 1 && normalized.endsWith(path.sep) ? normalized.slice(0, -1) : normalized
}

/** Archived when `archivedAt` is set and not followed by a later `unarchivedAt`. */
const isArchived = (archivedAt: string | null | undefined, unarchivedAt: string | null | undefined): boolean => {
  if (typeof archivedAt !== "string") return false
  if (typeof unarchivedAt !== "string") return true
  return Date.parse(archivedAt) > Date.parse(unarchivedAt)
}

/** Names where the first problem is and what was expected, without quoting the value found. */
const describe = (error: ParseResult.ParseError, expectedShape: string): string => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (issue === undefined) return `expected ${expectedShape}`
  const where = issue.path.length === 0
    ? "the value"
    : issue.path.map((key) => (typeof key === "number" || /^\d+$/.test(String(key)) ? `[${String(key)}]` : `.${String(key)}`))
      .join("")
      .replace(/^\./, "")
  if (issue._tag === "Missing") return `${where} is missing (expected ${expectedShape})`
  const simple = /^Expected (string|number|boolean|null|ReadonlyArray<unknown>)\b/.exec(issue.message)?.[1]
  if (simple === undefined) return `${where} does not have the expected shape (${expectedShape})`
  return `${where} should be ${simple === "ReadonlyArray<unknown>" ? "a list" : `a ${simple}`}`
}
