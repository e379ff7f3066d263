import { Command } from "@effect/cli"
import { Effect } from "effect"
import { renderCheckJson, renderCheckText } from "../report/checkReport.js"
import { EXIT_STRICT_ERRORS } from "./finishRun.js"
import { writeStdout } from "./output.js"
import { runCollection } from "./runCollection.js"
import { commonOptions, toRunSettings } from "./settings.js"

/** `check`: one line per ledger with its status, every error with its path and reason, then counts. */
export const checkCommand = Command.make("check", commonOptions, (options) =>
  Effect.gen(function*() {
    const settings = yield* toRunSettings(options)
    const { report } = yield* runCollection(settings, { keepStatuses: true })
    yield* writeStdout(`${settings.json ? renderCheckJson(report) : renderCheckText(report)}\n`)
    if (settings.strict && report.errors.length > 0) process.exitCode = EXIT_STRICT_ERRORS
  })).pipe(Command.withDescription("List every ledger with its status, and every error with its path and reason"))
