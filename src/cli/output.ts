import { Effect } from "effect"
import { letEventLoopRun } from "./eventLoop.js"

/**
 * Writes text to stdout and waits for the stream to drain when its buffer is full, so
 * a slow reader never makes the process buffer the whole output in memory. Each call
 * writes whole lines, so an interrupted run never leaves a line cut in half.
 *
 * The wait is an `Effect.async` only when the buffer is full. Suspending the fiber on
 * every write made V8 keep far more short-lived objects: on a home of 100,000
 * workspaces, peak memory went from about 220 MB to 350 MB.
 */
export const writeStdout = (text: string): Effect.Effect<void> =>
  text.length === 0
    ? Effect.void
    : Effect.suspend(() =>
      process.stdout.write(text)
        ? Effect.void
        : Effect.async<void>((resume) => {
          process.stdout.once("drain", () => resume(Effect.void))
        })
    )

/**
 * Writes blocks of text to stdout, each followed by a newline, and makes each block only
 * when the previous one is written. Between blocks, Node's event loop gets a turn, so a
 * long table can be stopped with Ctrl-C while it is drawn.
 */
export const writeBlocks = (blocks: Iterable<string>): Effect.Effect<void> => {
  const iterator = blocks[Symbol.iterator]()
  const next: Effect.Effect<void> = Effect.suspend(() => {
    const block = iterator.next()
    if (block.done === true) return Effect.void
    return writeStdout(`${block.value}\n`).pipe(Effect.zipRight(letEventLoopRun), Effect.zipRight(next))
  })
  return next
}

/**
 * Calls `done` once everything written to `stream` so far has been handed to the
 * operating system. `process.exit` drops what a stream still queues, and Node queues
 * writes to a pipe whose reader is slower than the writer, so exiting without this wait
 * can cut the last line in half.
 */
export const whenFlushed = (stream: NodeJS.WriteStream, done: () => void): void => {
  if (stream.writableLength === 0 || stream.destroyed || !stream.writable) {
    done()
    return
  }
  // Writes complete in order, so the callback of an empty write runs after every earlier one.
  stream.write("", () => done())
}

/** Writes text to stderr. */
export const writeStderr = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stderr.write(text))

/**
 * Ends the process quietly with status 0 when stdout or stderr is closed early, as in
 * `records | head -1` or `summary 2>&1 | head -1`: the reader has what it wanted, so a
 * closed pipe is not an error.
 */
export const exitQuietlyOnClosedPipe = (): void => {
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0)
    throw error
  }
  process.stdout.on("error", onError)
  process.stderr.on("error", onError)
}
