import { Command } from "@effect/cli"
import { Effect } from "effect"
import { escapeText } from "../report/escape.js"
import { checkCommand } from "./checkCommand.js"
import { recordsCommand } from "./recordsCommand.js"
import { summaryCommand } from "./summaryCommand.js"

export const VERSION = "0.1.0"

const root = Command.make("mux-collector").pipe(
  Command.withDescription("Read Mux (Xum) usage ledgers into TurnRecords and spend summaries"),
  Command.withSubcommands([recordsCommand, summaryCommand, checkCommand])
)

const runRoot = Command.run(root, { name: "mux-collector", version: VERSION })

/**
 * Parses the arguments (without `node` and the script path) and runs the command.
 *
 * @effect/cli writes its own messages for invalid arguments with `Console.error`, and they
 * quote the arguments as given. Those messages have their control, bidirectional and
 * invisible characters escaped, line by line, so an argument such as a folder name pasted
 * by a shell glob cannot drive the terminal.
 */
export const runCli = (args: ReadonlyArray<string>) =>
  Effect.flatMap(Effect.console, (console) =>
    Effect.withConsole(runRoot(args), {
      ...console,
      error: (...messages: ReadonlyArray<unknown>) => console.error(...messages.map(escapeLines))
    }))

const escapeLines = (message: unknown): string => String(message).split("\n").map(escapeText).join("\n")
