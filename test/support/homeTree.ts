/**
 * One description of a folder tree, laid out either in memory (`makeMemoryFileSystem`)
 * or in a real temporary folder read through `NodeCollectorLayer`, so that each test
 * case runs on both file systems. Also builds the ledger and `config.json` texts the
 * cases use, in the shape Mux writes them.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as NodePath from "@effect/platform-node/NodePath"
import { Chunk, Effect, Layer, Stream } from "effect"
import * as NodeFs from "node:fs"
import * as Os from "node:os"
import * as NodePathModule from "node:path"
import { collectEvents } from "../../src/collect/collectEvents.js"
import type { CollectorEvent, LedgerSetAside } from "../../src/domain/Outcome.js"
import { totalTokens } from "../../src/domain/TurnRecord.js"
import { NodeCollectorLayer } from "../../src/layers.js"
import { repoRoot } from "./cli.js"
import { makeMemoryFileSystem, type MemoryTreeSpec } from "./MemoryFileSystem.js"

/** A file's text, a symbolic link with a relative target, or an empty folder. */
export type TreeEntry = string | { readonly symlink: string } | { readonly directory: true }

/** Paths relative to the tree's base folder, POSIX separators, to entries. */
export type Tree = Readonly<Record<string, TreeEntry>>

export type Backend = "memory" | "node"
export const BACKENDS: ReadonlyArray<Backend> = ["memory", "node"]

/** Base folder of every in-memory tree. */
const MEMORY_BASE = "/tmp/mux-tree"

/** Writes a tree below `base` on the real file system, creating parent folders as needed. */
export const writeTree = (base: string, tree: Tree): void => {
  for (const [relative, entry] of Object.entries(tree)) {
    const target = NodePathModule.join(base, relative)
    NodeFs.mkdirSync(NodePathModule.dirname(target), { recursive: true })
    if (typeof entry === "string") NodeFs.writeFileSync(target, entry)
    else if ("symlink" in entry) NodeFs.symlinkSync(entry.symlink, target)
    else NodeFs.mkdirSync(target, { recursive: true })
  }
}

/** Moves a tree one folder down, so that several trees can share one base folder. */
export const inFolder = (folder: string, tree: Tree): Tree =>
  Object.fromEntries(Object.entries(tree).map(([relative, entry]) => [`${folder}/${relative}`, entry]))

/** Creates a temporary folder (by its real path) containing the tree. Remove it with `removeTree`. */
export const makeTempTree = (tree: Tree, prefix = "mux-tree-"): string => {
  const base = NodeFs.realpathSync(NodeFs.mkdtempSync(NodePathModule.join(Os.tmpdir(), prefix)))
  writeTree(base, tree)
  return base
}

export const removeTree = (base: string): void => NodeFs.rmSync(base, { recursive: true, force: true })

const toMemorySpec = (tree: Tree): MemoryTreeSpec =>
  Object.fromEntries(Object.entries(tree).map(([relative, entry]) => [`${MEMORY_BASE}/${relative}`, entry]))

/**
 * Runs `use` with the tree laid out on the chosen file system and that file system's
 * `FileSystem` and `Path` services provided. `use` receives the base folder's path.
 */
export const withTree = <A, E>(
  backend: Backend,
  tree: Tree,
  use: (base: string) => Effect.Effect<A, E, FileSystem.FileSystem | Path.Path>
): Effect.Effect<A, E> => {
  if (backend === "memory") {
    const layer = Layer.merge(makeMemoryFileSystem(toMemorySpec(tree)).layer, NodePath.layer)
    return Effect.provide(use(MEMORY_BASE), layer)
  }
  return Effect.acquireUseRelease(
    Effect.sync(() => makeTempTree(tree)),
    (base) => Effect.provide(use(base), NodeCollectorLayer),
    (base) => Effect.sync(() => removeTree(base))
  )
}

/** Collects every event `collectEvents` emits for `homes` (paths relative to the base), and returns the base too. */
export const collectTree = (
  backend: Backend,
  tree: Tree,
  homes: ReadonlyArray<string>
): Effect.Effect<{ readonly base: string; readonly events: Array<CollectorEvent> }, unknown> =>
  withTree(backend, tree, (base) =>
    Stream.runCollect(collectEvents({ roots: homes.map((home) => `${base}/${home}`) })).pipe(
      Effect.map((events) => ({ base, events: Chunk.toArray(events) }))
    ))

/** Sums the tokens of every counted ledger. */
export const countedTokens = (events: ReadonlyArray<CollectorEvent>): number => {
  let sum = 0
  for (const event of events) {
    if (event._tag !== "LedgerCounted") continue
    for (const record of event.records) sum += totalTokens(record.usage)
  }
  return sum
}

export const setAsideOf = (events: ReadonlyArray<CollectorEvent>): Array<LedgerSetAside> =>
  events.filter((event): event is LedgerSetAside => event._tag === "LedgerSetAside")

/** Token counts of one model entry, in Mux's bucket order, and the cost put in its `input` bucket. */
export interface EntrySpec {
  readonly tokens: readonly [input: number, cached: number, cacheCreate: number, output: number, reasoning: number]
  /** Cost stored in `input.cost_usd`, with 0 in every other bucket. Without it no bucket has a cost (unpriced). */
  readonly usd?: number
}

export interface LedgerSpec {
  readonly byModel: Readonly<Record<string, EntrySpec>>
  /** `lastRequest.timestamp` in epoch milliseconds. Without it the ledger has no `lastRequest`. */
  readonly lastRequestMs?: number
  readonly rolledUpFrom?: Readonly<Record<string, unknown>>
}

const BUCKETS = ["input", "cached", "cacheCreate", "output", "reasoning"] as const

/** Builds a `session-usage.json` text as Mux writes it (two-space JSON, no trailing newline). */
export const ledgerJson = (spec: LedgerSpec): string => {
  const byModel: Record<string, unknown> = {}
  for (const [modelKey, entry] of Object.entries(spec.byModel)) {
    byModel[modelKey] = Object.fromEntries(
      BUCKETS.map((bucket, index) => {
        const tokens = entry.tokens[index] ?? 0
        if (entry.usd === undefined) return [bucket, { tokens }]
        return [bucket, { tokens, cost_usd: bucket === "input" ? entry.usd : 0 }]
      })
    )
  }
  const [firstKey] = Object.keys(spec.byModel)
  return JSON.stringify(
    {
      byModel,
      ...(spec.lastRequestMs === undefined
        ? {}
        : { lastRequest: { model: firstKey, usage: {}, timestamp: spec.lastRequestMs } }),
      ...(spec.rolledUpFrom === undefined ? {} : { rolledUpFrom: spec.rolledUpFrom }),
      version: 1
    },
    null,
    2
  )
}

/** Sums an entry's five buckets. */
export const entryTokens = (entry: EntrySpec): number => entry.tokens.reduce((sum, tokens) => sum + tokens, 0)

/** Builds a `config.json` text with these `[projectPath, workspaces]` pairs and any other top-level settings. */
export const configJson = (
  projects: ReadonlyArray<readonly [projectPath: string, workspaces: ReadonlyArray<Record<string, unknown>>]>,
  otherSettings: Readonly<Record<string, unknown>> = {}
): string =>
  JSON.stringify(
    { projects: projects.map(([projectPath, workspaces]) => [projectPath, { workspaces }]), ...otherSettings },
    null,
    2
  )

/** Reads a real folder into a tree, following nothing: files by text, links by target. */
export const readTree = (folder: string): Record<string, TreeEntry> => {
  const tree: Record<string, TreeEntry> = {}
  const visit = (relative: string): void => {
    const absolute = NodePathModule.join(folder, relative)
    const info = NodeFs.lstatSync(absolute)
    if (info.isSymbolicLink()) tree[relative] = { symlink: NodeFs.readlinkSync(absolute) }
    else if (info.isFile()) tree[relative] = NodeFs.readFileSync(absolute, "utf8")
    else if (info.isDirectory()) {
      const names = NodeFs.readdirSync(absolute)
      if (names.length === 0) tree[relative] = { directory: true }
      for (const name of names) visit(relative === "" ? name : `${relative}/${name}`)
    }
  }
  visit("")
  return tree
}

// == Shared fixture

/** The home in fixtures/ that Mux's own code wrote. */
export const FIXTURE_HOME = NodePathModule.join(repoRoot, "fixtures/mux-home/.mux")

/** The fixture's folder as a tree, with `.mux` at its top, for running it in memory or in a temp copy. */
export const fixtureTree = (): Tree => readTree(NodePathModule.join(repoRoot, "fixtures/mux-home"))

/** Token buckets as the expected file lists them. */
export interface ExpectedBuckets {
  readonly input: number
  readonly cached: number
  readonly cacheCreate: number
  readonly output: number
  readonly reasoning: number
}

export interface ExpectedWorkspace {
  readonly models: Readonly<Record<string, ExpectedBuckets>>
  readonly parentWorkspaceId: string | null
  readonly agentType: string | null
  readonly rolledUpInto: string | null
  readonly ledgerPresent: boolean
  readonly inConfig: boolean
  readonly projectPath: string
  readonly title: string
}

export interface ExpectedTotals extends ExpectedBuckets {
  readonly totalTokens: number
  readonly costUsd: number
  readonly ledgersCounted: number
}

/** The part of fixtures/mux-home.expected.json the tests read. It was computed apart from this code. */
export interface ExpectedFixture {
  readonly totals: { readonly countingOnce: ExpectedTotals }
  readonly workspaces: Readonly<Record<string, ExpectedWorkspace>>
}

export const readExpectedFixture = (): ExpectedFixture =>
  JSON.parse(NodeFs.readFileSync(NodePathModule.join(repoRoot, "fixtures/mux-home.expected.json"), "utf8")) as ExpectedFixture
