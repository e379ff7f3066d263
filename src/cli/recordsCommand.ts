import { Command, Options } from "@effect/cli"
import { Effect } from "effect"
import type { SessionRelationshipRecord } from "../domain/SessionRelationshipRecord.js"
import { toSafeJson } from "../report/escape.js"
import { finishRun } from "./finishRun.js"
import { writeStdout } from "./output.js"
import { runCollection } from "./runCollection.js"
import { commonOptions, toRunSettings } from "./settings.js"

const kind = Options.choice("kind", ["turns", "relationships"]).pipe(
  Options.withDescription("Which records to print: TurnRecords (one per model per workspace) or the workspaces' parent-child relationships"),
  Options.withDefault("turns" as const)
)

/**
 * `records`: every record as JSON Lines, written a stream chunk at a time as ledgers are
 * read; `--json` prints one JSON array instead.
 */
export const recordsCommand = Command.make("records", { ...commonOptions, kind }, (options) =>
  Effect.gen(function*() {
    const settings = yield* toRunSettings(options)
    let first = true
    const write = (lines: Array<unknown>) => {
      if (lines.length === 0) return Effect.void
      const body = lines.map((line) => toSafeJson(line)).join(settings.json ? ",\n" : "\n")
      const text = settings.json ? `${first ? "[\n" : ",\n"}${body}` : `${body}\n`
      first = false
      return writeStdout(text)
    }

    const relationships: Array<SessionRelationshipRecord> = []
    const collection = yield* runCollection(settings, options.kind === "turns"
      ? { onRecords: write }
      : { onEvent: (event) => event._tag === "RelationshipFound" && relationships.push(event.relationship) })
    if (options.kind === "relationships") yield* write(relationships)
    if (settings.json) yield* writeStdout(first ? "[]\n" : "\n]\n")

    yield* finishRun(collection, settings.strict)
  })).pipe(Command.withDescription("Print every TurnRecord as JSON Lines (or a JSON array with --json)"))
