import { Command, Options } from "@effect/cli"
import { Effect, Either, Option } from "effect"
import { AgentSplitBuilder } from "../report/agentSplit.js"
import { toSafeJson } from "../report/escape.js"
import { requireGranularity } from "../report/granularity.js"
import { SummaryBuilder } from "../report/summarize.js"
import { renderAgentTable, summaryTableBlocks } from "../report/summaryTable.js"
import { GranularityUnavailable } from "../domain/errors.js"
import { finishRun } from "./finishRun.js"
import { writeBlocks, writeStdout } from "./output.js"
import { type Collection, runCollection } from "./runCollection.js"
import { commonOptions, toRunSettings, UsageError } from "./settings.js"

const by = Options.choice("by", ["model", "provider", "workspace", "day", "project", "agent", "tool"]).pipe(
  Options.withDescription("Group rows by model key, provider, workspace, day (in --timezone), project, agent (own work against sub-agents) or tool"),
  Options.withDefault("model" as const)
)

/** The figures every `summary --json` carries besides its rows, so scripts find the same keys. */
const runFigures = ({ filter, report }: Collection) => ({
  ledgers: {
    counted: report.ledgersCounted,
    failed: report.ledgersFailed,
    withInvalidEntries: report.ledgersWithInvalidEntries,
    setAside: report.setAside.length
  },
  errorCount: report.errors.length,
  dateFilter: filter
})

/** `summary`: spend grouped by one dimension, as a table with a totals row or as JSON. */
export const summaryCommand = Command.make("summary", { ...commonOptions, by }, (options) =>
  Effect.gen(function*() {
    const settings = yield* toRunSettings(options)
    const notes = Option.isSome(options.project) ? { project: options.project.value } : {}

    if (options.by === "tool") {
      // Check chunk by chunk and add up the counts, so the message can name how much data
      // lacks tool calls without holding every record. A ledger's records arrive in one chunk.
      let records = 0
      let workspaces = 0
      yield* runCollection(settings, {
        onRecords: (chunk) =>
          Effect.sync(() => {
            const check = requireGranularity(chunk, "per-tool")
            if (Either.isLeft(check)) {
              records += check.left.records
              workspaces += check.left.workspaces
            }
          })
      })
      return yield* Effect.fail(
        new UsageError(new GranularityUnavailable({ needed: "per-tool", records, workspaces }).message)
      )
    }

    if (options.by === "agent") {
      const split = new AgentSplitBuilder()
      const collection = yield* runCollection(settings, {
        onEvent: (event, kept) => {
          if (event._tag === "LedgerCounted" && kept.length > 0) split.addCounted(event, kept)
          if (event._tag === "LedgerSetAside") split.addSetAside(event)
        }
      })
      const result = split.build()
      const output = settings.json
        ? toSafeJson({ by: "agent", ...result, ...runFigures(collection) }, 2)
        : renderAgentTable(result)
      yield* writeStdout(`${output}\n`)
      return yield* finishRun(collection, settings.strict, notes)
    }

    const builder = new SummaryBuilder(options.by, settings.timeFilter.timeZone)
    const collection = yield* runCollection(settings, {
      onRecords: (records) => Effect.sync(() => records.forEach((record) => builder.add(record)))
    })
    const summary = builder.build()
    if (settings.json) yield* writeStdout(`${toSafeJson({ ...summary, ...runFigures(collection) }, 2)}\n`)
    else yield* writeBlocks(summaryTableBlocks(summary))
    yield* finishRun(collection, settings.strict, { ...notes, byDay: options.by === "day" })
  })).pipe(Command.withDescription("Print spend grouped by model, provider, workspace, day, project or agent"))
