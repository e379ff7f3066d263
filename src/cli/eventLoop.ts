import { Effect } from "effect"

/** Maximum time the CLI runs without giving Node's event loop a turn. */
const MAX_MS_WITHOUT_TURN = 20

let lastTurnMs = Date.now()

/**
 * Gives Node's event loop a turn when it has not had one for 20 ms. Ledgers are read
 * synchronously, a chunk at a time, and Effect's scheduler resumes fibers mostly through
 * microtasks. Without these turns, a run whose output went to a file did not let Node
 * deliver Ctrl-C (SIGINT) until the run ended.
 */
export const letEventLoopRun: Effect.Effect<void> = Effect.suspend(() =>
  Date.now() - lastTurnMs < MAX_MS_WITHOUT_TURN
    ? Effect.void
    : Effect.async<void>((resume) => {
      setImmediate(() => {
        lastTurnMs = Date.now()
        resume(Effect.void)
      })
    })
)
