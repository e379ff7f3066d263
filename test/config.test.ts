import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Stream, Chunk } from "effect"
import { collectRecords } from "../src/collect/collectRecords.js"
import type { CollectorEvent, LedgerCounted } from "../src/domain/Outcome.js"
import type { TurnRecord } from "../src/domain/TurnRecord.js"
import { runCli } from "./support/cli.js"
import {
  BACKENDS,
  collectTree,
  configJson,
  FIXTURE_HOME,
  fixtureTree,
  inFolder,
  ledgerJson,
  makeTempTree,
  readExpectedFixture,
  removeTree,
  type Tree,
  withTree
} from "./support/homeTree.js"

// == Trees

const SHOP = "/home/ana/src/shop/"
const INFRA = "/home/ana/src/./infra//"
const NASTY_TITLE = "Fix \u001b[31mred\u001b[0m \u202eevil"

/** Two projects with top-level, sub-agent, archived, unused and unlisted workspaces. Totals are in the comments. */
const METADATA: Tree = {
  ".mux/config.json": configJson([
    [SHOP, [
      { id: "a1b2c3d4e5", name: "fix-cart", title: "Fix cart totals", path: "/home/ana/.mux/src/shop/fix-cart", createdAt: "2026-11-02T09:14:00.000Z" },
      { id: "0f9e8d7c6b", name: "explore-3k1", title: "Explore: cart rounding", parentWorkspaceId: "a1b2c3d4e5", agentType: "explore" },
      { id: "5555555555", name: "never-opened", title: "Never opened" }
    ]],
    [INFRA, [
      { id: "b1b1b1b1b1", name: "tf-lock" },
      { id: "c0c0c0c0c1", name: "archived", archivedAt: "2026-01-02T00:00:00.000Z" },
      { id: "c0c0c0c0c2", name: "unarchived", archivedAt: "2026-01-02T00:00:00.000Z", unarchivedAt: "2026-01-03T00:00:00.000Z" },
      { id: "c0c0c0c0c3", name: "rearchived", archivedAt: "2026-01-04T00:00:00.000Z", unarchivedAt: "2026-01-03T00:00:00.000Z" },
      { id: "c0c0c0c0c4", name: "nasty", title: NASTY_TITLE, archivedAt: null }
    ]]
  ], { defaultModel: "anthropic:claude-sonnet-4-5" }),
  // 2,445 tokens, $0.5
  ".mux/sessions/a1b2c3d4e5/session-usage.json": ledgerJson({
    byModel: { "anthropic:claude-sonnet-4-5": { tokens: [100, 2000, 300, 40, 5], usd: 0.5 } },
    lastRequestMs: 1788000000000
  }),
  // 34 tokens, $0.125
  ".mux/sessions/0f9e8d7c6b/session-usage.json": ledgerJson({
    byModel: { "anthropic:claude-haiku-4-5": { tokens: [10, 20, 0, 4, 0], usd: 0.125 } },
    lastRequestMs: 1788000100000
  }),
  // 1,150 tokens, $0.25
  ".mux/sessions/b1b1b1b1b1/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.1-codex": { tokens: [1000, 0, 0, 100, 50], usd: 0.25 } },
    lastRequestMs: 1788000200000
  }),
  // 220 tokens, $0.0625 (archived)
  ".mux/sessions/c0c0c0c0c1/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.2": { tokens: [200, 0, 0, 20, 0], usd: 0.0625 } },
    lastRequestMs: 1788000300000
  }),
  // 330 tokens, $0.03125
  ".mux/sessions/c0c0c0c0c2/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.2": { tokens: [300, 0, 0, 30, 0], usd: 0.03125 } },
    lastRequestMs: 1788000400000
  }),
  // 440 tokens, $0.015625 (archived)
  ".mux/sessions/c0c0c0c0c3/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.2": { tokens: [400, 0, 0, 40, 0], usd: 0.015625 } },
    lastRequestMs: 1788000500000
  }),
  // 550 tokens, $0.0078125
  ".mux/sessions/c0c0c0c0c4/session-usage.json": ledgerJson({
    byModel: { "openai:gpt-5.2": { tokens: [500, 0, 0, 50, 0], usd: 0.0078125 } },
    lastRequestMs: 1788000600000
  }),
  // 10 tokens, $0.5, not listed in config.json
  ".mux/sessions/dddddddddd/session-usage.json": ledgerJson({
    byModel: { "google:gemini-3-pro-preview": { tokens: [7, 0, 0, 3, 0], usd: 0.5 } },
    lastRequestMs: 1788000700000
  })
}

/** One ledger of 10 tokens, for homes whose config.json is the subject. */
const ONE_LEDGER = ledgerJson({
  byModel: { "anthropic:claude-sonnet-4-5": { tokens: [1, 2, 3, 4, 0], usd: 0.25 } },
  lastRequestMs: 1788000000000
})

const withConfig = (config: string | undefined): Tree => ({
  ...(config === undefined ? {} : { ".mux/config.json": config }),
  ".mux/sessions/a1b2c3d4e5/session-usage.json": ONE_LEDGER
})

const UNUSABLE_CONFIGS: ReadonlyArray<readonly [name: string, tree: Tree]> = [
  ["missing", withConfig(undefined)],
  ["empty", withConfig("")],
  ["cut off", withConfig("{\"projects\": [[\"/home/ana/src/shop\", {\"workspaces\": [")],
  ["a list", withConfig("[]")],
  ["projects not a list", withConfig("{\"projects\": {\"/home/ana/src/shop\": {}}}")],
  ["a folder", { ".mux/config.json/x": "{}", ".mux/sessions/a1b2c3d4e5/session-usage.json": ONE_LEDGER }]
]

/** A home whose config.json has one workspace entry with a wrong-typed title beside a valid one. */
const WRONG_TYPED: Tree = {
  ".mux/config.json": configJson([[SHOP, [
    { id: "e5e5e5e5e5", name: "bad", title: 42 },
    { id: "a1b2c3d4e5", name: "good", title: "Good" }
  ]]]),
  ".mux/sessions/e5e5e5e5e5/session-usage.json": ONE_LEDGER,
  ".mux/sessions/a1b2c3d4e5/session-usage.json": ONE_LEDGER
}

/** Every secret starts with this, so one search finds any of them, whole or cut. */
const SECRET_PREFIX = "sk-ant"

const secretLedgers = (ids: ReadonlyArray<string>): Tree =>
  Object.fromEntries(ids.map((id) => [`sessions/${id}/session-usage.json`, ONE_LEDGER]))

/** Text of the home whose config.json is invalid JSON with a secret where the parser stops. */
const INVALID_JSON_NEAR_SECRET =
  "{\"providers\": {\"anthropic\": {\"apiKey\": sk-ant-SECRET-NEAR-ERROR}}, \"projects\": []}"

/** Five homes whose config.json contains credentials: valid, invalid JSON, a wrong-typed entry, a wrong envelope. */
const SECRETS: Tree = {
  ...inFolder("providers", {
    "config.json": configJson([[SHOP, [{ id: "a1b2c3d4e5", name: "fix-cart", title: "Fix cart" }]]], {
      providers: { anthropic: { apiKey: "sk-ant-SECRET123" }, openai: { apiKey: "sk-ant-SECRET-OPENAI" } }
    }),
    ...secretLedgers(["a1b2c3d4e5"])
  }),
  ...inFolder("workspace-extra", {
    "config.json": JSON.stringify({
      projects: [[SHOP, {
        workspaces: [{
          id: "a2a2a2a2a2",
          name: "with-env",
          title: "With env",
          runtimeConfig: { env: { ANTHROPIC_API_KEY: "sk-ant-SECRET-WORKSPACE" } },
          aiSettings: { apiKey: "sk-ant-SECRET-AISETTINGS" }
        }],
        credentials: "sk-ant-SECRET-PROJECT"
      }]]
    }, null, 2),
    ...secretLedgers(["a2a2a2a2a2"])
  }),
  ...inFolder("invalid-json", {
    "config.json": INVALID_JSON_NEAR_SECRET,
    ...secretLedgers(["a3a3a3a3a3"])
  }),
  ...inFolder("wrong-type", {
    "config.json": JSON.stringify({
      projects: [
        [SHOP, {
          workspaces: [
            { id: "a4a4a4a4a4", title: 42, apiKey: "sk-ant-SECRET-BESIDE-BAD-FIELD" },
            { id: "a5a5a5a5a5", name: { token: "sk-ant-SECRET-IN-BAD-FIELD" } },
            { id: "a6a6a6a6a6", agentType: ["sk-ant-SECRET-IN-LIST"] },
            "sk-ant-SECRET-AS-WORKSPACE"
          ]
        }],
        [{ path: "sk-ant-SECRET-AS-PROJECT-PATH" }, { workspaces: [] }],
        [SHOP, { workspaces: "sk-ant-SECRET-AS-WORKSPACES" }],
        [SHOP, { workspaces: [] }, "sk-ant-SECRET-EXTRA-ELEMENT"]
      ]
    }, null, 2),
    ...secretLedgers(["a4a4a4a4a4", "a5a5a5a5a5", "a6a6a6a6a6"])
  }),
  ...inFolder("wrong-envelope", {
    "config.json": JSON.stringify({ projects: "sk-ant-SECRET-AS-PROJECTS" }),
    ...secretLedgers(["a7a7a7a7a7"])
  })
}
const SECRET_HOMES = ["providers", "workspace-extra", "invalid-json", "wrong-type", "wrong-envelope"]

// == Helpers

const countedRecords = (events: ReadonlyArray<CollectorEvent>): Array<TurnRecord> =>
  events.flatMap((event) => (event._tag === "LedgerCounted" ? event.records : []))

const recordOf = (events: ReadonlyArray<CollectorEvent>, workspaceId: string): TurnRecord => {
  const record = countedRecords(events).find((candidate) => candidate.sessionId === workspaceId)
  if (record === undefined) throw new Error(`no counted record for workspace ${workspaceId}`)
  return record
}

const countedOf = (events: ReadonlyArray<CollectorEvent>, workspaceId: string): LedgerCounted => {
  const counted = events.find(
    (event): event is LedgerCounted => event._tag === "LedgerCounted" && event.folder.workspaceId === workspaceId
  )
  if (counted === undefined) throw new Error(`workspace ${workspaceId} was not counted`)
  return counted
}

const problemsOf = (events: ReadonlyArray<CollectorEvent>) =>
  events.flatMap((event) => (event._tag === "HomeOpened" ? event.problems : []))

/** Everything an event stream could show a user: the events as JSON and every error's message. */
const visibleText = (events: ReadonlyArray<CollectorEvent>): string => {
  const messages = events.flatMap((event) => {
    switch (event._tag) {
      case "HomeOpened":
        return event.problems.map((problem) => problem.message)
      case "LedgerFailed":
        return [event.error.message]
      case "LedgerCounted":
      case "LedgerSetAside":
        return event.invalidEntries.map((error) => error.message)
      default:
        return []
    }
  })
  return `${JSON.stringify(events)}\n${messages.join("\n")}`
}

interface SummaryJson {
  readonly rows: ReadonlyArray<{ readonly key: string; readonly label?: string; readonly totalTokens: number; readonly workspaces: number; readonly cost: { readonly usd: number | null } }>
  readonly totals: { readonly totalTokens: number; readonly workspaces: number; readonly cost: { readonly usd: number | null } }
}

const summaryOf = async (args: ReadonlyArray<string>): Promise<SummaryJson> => {
  const result = await runCli(["summary", ...args, "--json"])
  if (result.status !== 0) throw new Error(`summary exited with ${result.status}: ${result.stderr}`)
  return JSON.parse(result.stdout) as SummaryJson
}

/** Runs the tasks at most `limit` at a time, keeping their order. */
const inBatches = async <A>(tasks: ReadonlyArray<() => Promise<A>>, limit: number): Promise<Array<A>> => {
  const results: Array<A> = []
  for (let start = 0; start < tasks.length; start += limit) {
    results.push(...(await Promise.all(tasks.slice(start, start + limit).map((task) => task()))))
  }
  return results
}

// == Library, on both file systems

for (const backend of BACKENDS) {
  describe(`config.json metadata (${backend})`, () => {
    it.live("records carry project and title", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        const record = recordOf(events, "a1b2c3d4e5")
        expect(record.project).toBe(SHOP)
        expect(record.projectKey).toBe("/home/ana/src/shop")
        expect(record.workspaceName).toBe("fix-cart")
        expect(record.workspaceTitle).toBe("Fix cart totals")
      }))

    it.live("project key is normalized", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        const record = recordOf(events, "b1b1b1b1b1")
        expect(record.project).toBe(INFRA)
        expect(record.projectKey).toBe("/home/ana/src/infra")
      }))

    it.live("workspace without title has none", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        const record = recordOf(events, "b1b1b1b1b1")
        expect(record.workspaceName).toBe("tf-lock")
        expect(record).not.toHaveProperty("workspaceTitle")
      }))

    it.live("sub-agent record carries subagent block", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        const record = recordOf(events, "0f9e8d7c6b")
        expect(record.subagent).toEqual({
          isSidechain: true,
          agentId: "0f9e8d7c6b",
          parentAgentId: "a1b2c3d4e5",
          subagentType: "explore"
        })
        expect(record.fidelity.coverage.sessionRelationships).toBe(true)
      }))

    it.live("top-level record has no subagent", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        const record = recordOf(events, "a1b2c3d4e5")
        expect(record).not.toHaveProperty("subagent")
        expect(record.fidelity.coverage.sessionRelationships).toBe(true)
      }))

    it.live("unlisted ledger counts without project", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        const record = recordOf(events, "dddddddddd")
        expect(record.usage).toEqual({ input: 7, cacheRead: 0, cacheCreate5m: 0, cacheCreate1h: 0, output: 3, reasoning: 0 })
        expect(record).not.toHaveProperty("project")
        expect(record).not.toHaveProperty("projectKey")
        expect(record.fidelity.coverage.sessionRelationships).toBe(false)
      }))

    it.live("every ledger counts once", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        const ids = countedRecords(events).map((record) => record.sessionId).sort()
        expect(ids).toEqual([
          "0f9e8d7c6b",
          "a1b2c3d4e5",
          "b1b1b1b1b1",
          "c0c0c0c0c1",
          "c0c0c0c0c2",
          "c0c0c0c0c3",
          "c0c0c0c0c4",
          "dddddddddd"
        ])
      }))

    it.live("listed workspace without folder is never used", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, METADATA, [".mux"])
        const neverUsed = events.flatMap((event) => (event._tag === "WorkspaceNeverUsed" ? [event] : []))
        expect(neverUsed.map((event) => event.workspace.id)).toEqual(["5555555555"])
        expect(neverUsed[0]?.home).toBe(`${base}/.mux`)
        expect(problemsOf(events)).toEqual([])
        expect(events.filter((event) => event._tag === "LedgerFailed")).toEqual([])
      }))

    it.live("archive dates set archived flag", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, METADATA, [".mux"])
        expect(countedOf(events, "c0c0c0c0c1").workspace?.archived).toBe(true)
        expect(countedOf(events, "c0c0c0c0c2").workspace?.archived).toBe(false)
        expect(countedOf(events, "c0c0c0c0c3").workspace?.archived).toBe(true)
        expect(countedOf(events, "c0c0c0c0c4").workspace?.archived).toBe(false)
        expect(countedOf(events, "b1b1b1b1b1").workspace?.archived).toBe(false)
      }))

    for (const [name, tree] of UNUSABLE_CONFIGS) {
      it.live(`config ${name} is config-unusable`, () =>
        Effect.gen(function*() {
          const { base, events } = yield* collectTree(backend, tree, [".mux"])
          const problems = problemsOf(events)
          expect(problems.map((problem) => problem.code)).toEqual(["config-unusable"])
          expect(problems[0]).toMatchObject({ home: `${base}/.mux`, path: `${base}/.mux/config.json` })
          const opened = events.flatMap((event) => (event._tag === "HomeOpened" ? [event] : []))
          expect(opened.map((event) => event.configAvailable)).toEqual([false])
        }))

      it.live(`config ${name} still gives records`, () =>
        Effect.gen(function*() {
          const { events } = yield* collectTree(backend, tree, [".mux"])
          const records = countedRecords(events)
          expect(records.map((record) => record.sessionId)).toEqual(["a1b2c3d4e5"])
          expect(records[0]?.usage).toEqual({ input: 1, cacheRead: 2, cacheCreate5m: 3, cacheCreate1h: 0, output: 4, reasoning: 0 })
          expect(records[0]).not.toHaveProperty("project")
        }))
    }

    it.live("config-unusable reaches collectRecords", () =>
      withTree(backend, withConfig("[]"), (base) =>
        Effect.gen(function*() {
          const values = Chunk.toArray(yield* Stream.runCollect(collectRecords({ roots: [`${base}/.mux`] })))
          const errors = values.flatMap((value) => (Either.isLeft(value) ? [value.left.code] : []))
          const records = values.flatMap((value) => (Either.isRight(value) ? [value.right.sessionId] : []))
          expect(errors).toEqual(["config-unusable"])
          expect(records).toEqual(["a1b2c3d4e5"])
        })))

    it.live("wrong-typed entry is config-workspace-invalid", () =>
      Effect.gen(function*() {
        const { base, events } = yield* collectTree(backend, WRONG_TYPED, [".mux"])
        const problems = problemsOf(events)
        expect(problems.map((problem) => problem.code)).toEqual(["config-workspace-invalid"])
        expect(problems[0]).toMatchObject({ path: `${base}/.mux/config.json`, location: "projects[0][1].workspaces[0]" })
      }))

    it.live("wrong-typed entry loses only its metadata", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, WRONG_TYPED, [".mux"])
        expect(recordOf(events, "e5e5e5e5e5")).not.toHaveProperty("project")
        expect(recordOf(events, "a1b2c3d4e5").workspaceTitle).toBe("Good")
      }))

    it.live("config secrets never reach events", () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, SECRETS, SECRET_HOMES)
        const codes = problemsOf(events).map((problem) => problem.code)
        // The error paths that could quote the file did run.
        expect(codes.filter((code) => code === "config-unusable")).toHaveLength(2)
        expect(codes.filter((code) => code === "config-workspace-invalid").length).toBeGreaterThanOrEqual(6)
        expect(visibleText(events)).not.toContain(SECRET_PREFIX)
      }))
  })
}

describe("config.json secret fixture", () => {
  it("parser message quotes the secret", () => {
    // Without the collector's care, the error text would carry part of the credential.
    const message = (() => {
      try {
        JSON.parse(INVALID_JSON_NEAR_SECRET)
        return ""
      } catch (error) {
        return error instanceof Error ? error.message : String(error)
      }
    })()
    expect(message).toContain(SECRET_PREFIX)
  })
})

// == Shared fixture

const FIXTURE_TREE = fixtureTree()
const EXPECTED = readExpectedFixture()

describe("config.json metadata on the shared fixture", () => {
  for (const backend of BACKENDS) {
    it.live(`records carry fixture project and title (${backend})`, () =>
      Effect.gen(function*() {
        // The node run reads a copy in a temp folder, the memory run the same tree in memory.
        const { events } = yield* collectTree(backend, FIXTURE_TREE, [".mux"])
        const records = countedRecords(events)
        expect(records.length).toBeGreaterThan(0)
        for (const record of records) {
          const expected = EXPECTED.workspaces[record.sessionId]
          expect(expected, record.sessionId).toBeDefined()
          expect(record.project, record.sessionId).toBe(expected?.projectPath)
          expect(record.workspaceTitle, record.sessionId).toBe(expected?.title)
        }
      }))

    it.live(`fixture sub-agent records name parent (${backend})`, () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FIXTURE_TREE, [".mux"])
        const record = recordOf(events, "5f521550be")
        const expected = EXPECTED.workspaces["5f521550be"]
        expect(record.subagent?.parentAgentId).toBe(expected?.parentWorkspaceId)
        expect(record.subagent?.subagentType).toBe(expected?.agentType)
      }))

    it.live(`fixture 573a2fe96b is never used (${backend})`, () =>
      Effect.gen(function*() {
        const { events } = yield* collectTree(backend, FIXTURE_TREE, [".mux"])
        const neverUsed = events.flatMap((event) => (event._tag === "WorkspaceNeverUsed" ? [event.workspace.id] : []))
        expect(neverUsed).toEqual(["573a2fe96b"])
      }))
  }

  it("fixture check lists 573a2fe96b never used", async () => {
    const result = await runCli(["check", "--root", FIXTURE_HOME, "--json"])
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as { neverUsed: Array<{ workspaceId: string }>; errors: Array<unknown> }
    expect(report.neverUsed.map((entry) => entry.workspaceId)).toEqual(["573a2fe96b"])
    expect(report.errors).toEqual([])
  })
})

// == CLI

describe("config.json through the CLI", () => {
  let base = ""
  let home = ""
  beforeAll(() => {
    base = makeTempTree({
      ...METADATA,
      ...inFolder("no-config", withConfig(undefined)),
      ...inFolder("secrets", SECRETS)
    }, "mux-config-cli-")
    home = `${base}/.mux`
  })
  afterAll(() => removeTree(base))

  it("summary by project groups keys", async () => {
    const summary = await summaryOf(["--root", home, "--by", "project"])
    const rows = Object.fromEntries(summary.rows.map((row) => [row.key, row]))
    expect(Object.keys(rows).sort()).toEqual(["(unknown project)", "/home/ana/src/infra", "/home/ana/src/shop"])
    expect(rows["/home/ana/src/shop"]?.totalTokens).toBe(2445 + 34)
    expect(rows["/home/ana/src/shop"]?.cost.usd).toBe(0.5 + 0.125)
    expect(rows["/home/ana/src/shop"]?.label).toBe(SHOP)
    expect(rows["/home/ana/src/infra"]?.totalTokens).toBe(1150 + 220 + 330 + 440 + 550)
    expect(rows["/home/ana/src/infra"]?.cost.usd).toBe(0.25 + 0.0625 + 0.03125 + 0.015625 + 0.0078125)
    expect(rows["(unknown project)"]?.totalTokens).toBe(10)
    expect(summary.totals.totalTokens).toBe(5179)
  })

  it("project filter keeps one project", async () => {
    const summary = await summaryOf(["--root", home, "--project", "/home/ana/src/shop"])
    expect(summary.totals.totalTokens).toBe(2445 + 34)
    expect(summary.totals.workspaces).toBe(2)
  })

  it("project filter normalizes the path", async () => {
    const summary = await summaryOf(["--root", home, "--project", "/home/ana/src/infra/", "--by", "workspace"])
    expect(summary.rows.map((row) => row.key).sort()).toEqual([
      "b1b1b1b1b1",
      "c0c0c0c0c1",
      "c0c0c0c0c2",
      "c0c0c0c0c3",
      "c0c0c0c0c4"
    ])
  })

  it("archived workspaces count by default", async () => {
    const summary = await summaryOf(["--root", home])
    expect(summary.totals.totalTokens).toBe(5179)
    expect(summary.totals.workspaces).toBe(8)
  })

  it("exclude-archived drops archived workspaces", async () => {
    const summary = await summaryOf(["--root", home, "--exclude-archived", "--by", "workspace"])
    expect(summary.rows.map((row) => row.key)).not.toContain("c0c0c0c0c1")
    expect(summary.rows.map((row) => row.key)).not.toContain("c0c0c0c0c3")
    expect(summary.rows.map((row) => row.key)).toContain("c0c0c0c0c2")
    expect(summary.totals.totalTokens).toBe(5179 - 220 - 440)
  })

  it("exclude-archived combines with project", async () => {
    const summary = await summaryOf(["--root", home, "--exclude-archived", "--project", INFRA])
    expect(summary.totals.totalTokens).toBe(1150 + 330 + 550)
  })

  it("summary by workspace labels titles", async () => {
    const summary = await summaryOf(["--root", home, "--by", "workspace"])
    const labels = Object.fromEntries(summary.rows.map((row) => [row.key, row.label]))
    expect(labels["a1b2c3d4e5"]).toBe("Fix cart totals")
    expect(labels["b1b1b1b1b1"]).toBe("tf-lock")
    expect(labels["c0c0c0c0c4"]).toBe(NASTY_TITLE)
    expect(labels["dddddddddd"]).toBeUndefined()
  })

  it("workspace table escapes titles", async () => {
    const result = await runCli(["summary", "--root", home, "--by", "workspace"])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("Fix cart totals")
    expect(result.stdout).toContain("Fix \\x1b[31mred\\x1b[0m \\u202eevil")
    expect(result.stdout).not.toContain("\u001b")
    expect(result.stdout).not.toContain("\u202e")
  })

  it("check lists never-used workspace", async () => {
    const result = await runCli(["check", "--root", home])
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/never used +5555555555 in .*: listed in config\.json, no session folder/)
    expect(result.stdout).toContain("1 never used, 0 errors")
  })

  it("check json lists never-used workspace", async () => {
    const result = await runCli(["check", "--root", home, "--json"])
    const report = JSON.parse(result.stdout) as { neverUsed: Array<unknown>; errors: Array<unknown> }
    expect(report.neverUsed).toEqual([{ home, workspaceId: "5555555555" }])
    expect(report.errors).toEqual([])
  })

  it("missing config is a typed error", async () => {
    const result = await runCli(["check", "--root", `${base}/no-config/.mux`, "--json"])
    const report = JSON.parse(result.stdout) as {
      homes: Array<{ configAvailable: boolean }>
      errors: Array<{ code: string; path: string }>
    }
    expect(report.homes.map((opened) => opened.configAvailable)).toEqual([false])
    expect(report.errors.map((error) => [error.code, error.path])).toEqual([
      ["config-unusable", `${base}/no-config/.mux/config.json`]
    ])
  })

  it("missing config still prints records", async () => {
    const result = await runCli(["records", "--root", `${base}/no-config/.mux`])
    expect(result.status).toBe(0)
    const records = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as TurnRecord)
    expect(records.map((record) => record.sessionId)).toEqual(["a1b2c3d4e5"])
    expect(records[0]).not.toHaveProperty("project")
    expect(result.stderr).toContain("config-unusable")
  })

  it("secrets never reach CLI output", async () => {
    const roots = SECRET_HOMES.flatMap((name) => ["--root", `${base}/secrets/${name}`])
    const commands: Array<Array<string>> = [
      ["records"],
      ["records", "--kind", "relationships"],
      ...["model", "provider", "workspace", "day", "project", "agent", "tool"].map((by) => ["summary", "--by", by]),
      ["check"]
    ]
    const runs = commands.flatMap((command) => [command, [...command, "--json"]])
    const results = await inBatches(runs.map((args) => () => runCli([...args, ...roots, "--timezone", "UTC"])), 2)

    for (const [index, result] of results.entries()) {
      const label = (runs[index] ?? []).join(" ")
      expect(result.stdout, label).not.toContain(SECRET_PREFIX)
      expect(result.stderr, label).not.toContain(SECRET_PREFIX)
    }
    // Every home was read and its config.json errors reported, so the check covered them.
    const checkJson = results[runs.findIndex((args) => args.join(" ") === "check --json")]
    const report = JSON.parse(checkJson?.stdout ?? "{}") as { homes: Array<unknown>; errors: Array<{ code: string }> }
    expect(report.homes).toHaveLength(SECRET_HOMES.length)
    expect(report.errors.filter((error) => error.code === "config-unusable")).toHaveLength(2)
  }, 300_000)
})
