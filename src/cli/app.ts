import { Command } from "@effect/cli"
import { checkCommand } from "./checkCommand.js"
import { recordsCommand } from "./recordsCommand.js"
import { summaryCommand } from "./summaryCommand.js"

export const VERSION = "0.1.0"

const root = Command.make("mux-collector").pipe(
  Command.withDescription("Read Mux (Xum) usage ledgers into TurnRecords and spend summaries"),
  Command.withSubcommands([recordsCommand, summaryCommand, checkCommand])
)

/** Parses the arguments (without `node` and the script path) and runs the command. */
export const runCli = Command.run(root, { name: "mux-collector", version: VERSION })
