// Compares how many short-lived objects V8 promotes to the old generation when the same
// work runs in Effect.forEach or through a Stream, with no file access at all.
//
//   node --trace-gc-nvp bench/stream-promotion.mjs forEach | grep "gc=s"
//   node --trace-gc-nvp bench/stream-promotion.mjs stream | grep "gc=s"
//
// Compare the `promoted=` fields of the young-generation collections (`gc=s`).
import { Chunk, Effect, Stream } from "effect"

const mode = process.argv[2] === "stream" ? "stream" : "forEach"
const count = 2_000_000
const ids = Array.from({ length: count }, (_, index) => index)
const makeElement = (index) => ({ index, values: new Array(40).fill(index), label: `x${index}` })

let seen = 0
const started = Date.now()
if (mode === "forEach") {
  await Effect.runPromise(
    Effect.forEach(ids, (index) => Effect.map(Effect.sync(() => makeElement(index)), () => void seen++), {
      discard: true
    })
  )
} else {
  await Effect.runPromise(
    Stream.fromIteratorSucceed(ids.values(), 256).pipe(
      Stream.mapChunksEffect((chunk) =>
        Effect.map(Effect.forEach(chunk, (index) => Effect.sync(() => makeElement(index))), Chunk.unsafeFromArray)
      ),
      Stream.runForEachChunk((chunk) => Effect.sync(() => void (seen += chunk.length)))
    )
  )
}
console.error(`${mode}: ${seen} elements in ${Date.now() - started} ms`)
