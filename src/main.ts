#!/usr/bin/env node
import "./cli/heapSettings.js"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ValidationError } from "@effect/cli"
import { Cause, Effect, Exit } from "effect"
import { runCli } from "./cli/app.js"
import { exitQuietlyOnClosedPipe, whenFlushed, writeStderr } from "./cli/output.js"
import { escapeText } from "./report/escape.js"
import { findEmptyRoot } from "./cli/emptyRoot.js"
import { UsageError } from "./cli/settings.js"
import { NodeCollectorLayer } from "./layers.js"

/** Exit status for invalid arguments, a home that cannot be found and an unsupported report. */
const EXIT_USAGE = 2
/** Exit status after Ctrl-C, as shells report a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130

exitQuietlyOnClosedPipe()

const program = Effect.suspend(() => {
  const emptyRoot = findEmptyRoot(process.argv.slice(2))
  return emptyRoot === undefined ? runCli(process.argv) : Effect.fail(new UsageError(emptyRoot))
}).pipe(
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
  // A defect is reported below on stderr: the default report goes to stdout, where it
  // would end up inside the records a script is reading.
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    let status = typeof process.exitCode === "number" ? process.exitCode : 0
    if (Exit.isFailure(exit)) {
      status = Cause.isInterruptedOnly(exit.cause) ? EXIT_INTERRUPTED : 1
      if (!Cause.isInterruptedOnly(exit.cause)) {
        process.stderr.write(`error: mux-collector failed unexpectedly, which is a bug; please report it with this output:\n${Cause.pretty(exit.cause)}\n`)
      }
    }
    // After Ctrl-C or under --strict the runtime ends the process at once, so first let
    // the output written so far reach its reader. Each write contains whole lines.
    whenFlushed(process.stdout, () => whenFlushed(process.stderr, () => onExit(status)))
  }
})
