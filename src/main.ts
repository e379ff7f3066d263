#!/usr/bin/env node
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ValidationError } from "@effect/cli"
import { Cause, Effect, Exit } from "effect"
import { runCli } from "./cli/app.js"
import { exitQuietlyOnClosedPipe, writeStderr } from "./cli/output.js"
import { escapeText } from "./report/escape.js"
import { NodeCollectorLayer } from "./layers.js"

/** Exit status for invalid arguments, a home that cannot be found and an unsupported report. */
const EXIT_USAGE = 2
/** Exit status after Ctrl-C, as shells report a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130

exitQuietlyOnClosedPipe()

const program = runCli(process.argv).pipe(
  Effect.catchAll((error) =>
    Effect.gen(function*() {
      // @effect/cli has already printed its own message and help for invalid arguments.
      if (!ValidationError.isValidationError(error)) yield* writeStderr(`error: ${escapeText(error.message)}\n`)
      process.exitCode = EXIT_USAGE
    })
  ),
  Effect.provide(NodeCollectorLayer),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: false,
  teardown: (exit, onExit) => {
    if (Exit.isFailure(exit)) {
      onExit(Cause.isInterruptedOnly(exit.cause) ? EXIT_INTERRUPTED : 1)
    } else {
      onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
    }
  }
})
