import { Command, Options } from "@effect/cli"
import { Effect } from "effect"
import type { SessionRelationshipRecord } from "../domain/SessionRelationshipRecord.js"
import { toSafeJsonBatches } from "../report/escape.js"
import { finishRun } from "./finishRun.js"
import { writeStdout } from "./output.js"
import { runCollection } from "./runCollection.js"
import { commonOptions, toRunSettings } from "./settings.js"

const kind = Options.choice("kind", ["turns", "relationships"]).pipe(
  Options.withDescription("Which records to print: TurnRecords (one per model per workspace) or the workspaces' parent-child relationships"),
  Options.withDefault("turns" as const)
)

/**
 * Characters per write. V8 puts strings above about 128 KB straight into the old
 * generation, where they are collected late: on a large home, writing one big string per
 * stream chunk made peak memory several times larger than the data in flight.
 */
const WRITE_BATCH_CHARS = 32 * 1024

/**
 * `records`: every record as JSON Lines, written a stream chunk at a time as ledgers are
 * read; `--json` prints one JSON array instead.
 */
export const recordsCommand = Command.make("records", { ...commonOptions, kind }, (options) =>
  Effect.gen(function*() {
    const settings = yield* toRunSettings(options)
    let first = true
    const write = (values: ReadonlyArray<unknown>) =>
      Effect.forEach(toSafeJsonBatches(values, settings.json ? ",\n" : "\n", WRITE_BATCH_CHARS), (body) => {
        const text = settings.json ? `${first ? "[\n" : ",\n"}${body}` : `${body}\n`
        first = false
        return writeStdout(text)
      }, { discard: true })

    const relationships: Array<SessionRelationshipRecord> = []
    const collection = yield* runCollection(settings, options.kind === "turns"
      ? { onRecords: write }
      : { onEvent: (event) => event._tag === "RelationshipFound" && relationships.push(event.relationship) })
    if (options.kind === "relationships") yield* write(relationships)
    if (settings.json) yield* writeStdout(first ? "[]\n" : "\n]\n")

    yield* finishRun(collection, settings.strict)
  })).pipe(Command.withDescription("Print every TurnRecord as JSON Lines (or a JSON array with --json)"))
