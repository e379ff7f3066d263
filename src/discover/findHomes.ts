import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Config, Effect, Option } from "effect"
import * as os from "node:os"
import { HomeNotFound, NoHomeFound } from "../domain/errors.js"
import type { Home } from "../domain/Home.js"

/**
 * Paths where a home is looked for when none is given, in this order: `$XUM_ROOT`,
 * `$MUX_ROOT`, `~/.xum`, `~/.mux`, `~/.cmux`. Every one that exists is read, because
 * a user can have usage in more than one.
 */
export const defaultHomeCandidates: Effect.Effect<Array<string>, never, Path.Path> = Effect.gen(function*() {
  const path = yield* Path.Path
  const env = (name: string) => Config.option(Config.nonEmptyString(name)).pipe(Effect.orElseSucceed(() => Option.none()))
  const xumRoot = yield* env("XUM_ROOT")
  const muxRoot = yield* env("MUX_ROOT")
  const homeDirectory = Option.getOrElse(yield* env("HOME"), () => os.homedir())
  return [
    ...Option.toArray(xumRoot),
    ...Option.toArray(muxRoot),
    path.join(homeDirectory, ".xum"),
    path.join(homeDirectory, ".mux"),
    path.join(homeDirectory, ".cmux")
  ].map((candidate) => path.resolve(candidate))
})

/**
 * Resolves the homes to read. Paths are compared by real path, so a home reached
 * through several symbolic links (the upgrade to Xum leaves `~/.mux` pointing at
 * `~/.xum`) is read once. An explicit root that does not exist fails the run; a
 * default candidate that does not exist is skipped.
 */
export const findHomes = (
  roots: ReadonlyArray<string>
): Effect.Effect<Array<Home>, HomeNotFound | NoHomeFound, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const explicit = roots.length > 0
    const candidates = explicit ? roots.map((root) => path.resolve(root)) : yield* defaultHomeCandidates

    const homes: Array<{ path: string; aliases: Array<string> }> = []
    for (const candidate of candidates) {
      const resolved = yield* resolveFolder(fs, candidate)
      if (isUnresolved(resolved)) {
        if (explicit) return yield* new HomeNotFound({ path: candidate, reason: resolved.reason })
        continue
      }
      const notAHome = yield* explainNotAHome(fs, path, resolved.realPath)
      if (notAHome !== undefined) {
        if (explicit) return yield* new HomeNotFound({ path: candidate, reason: notAHome })
        continue
      }
      const existing = homes.find((home) => home.path === resolved.realPath)
      if (existing === undefined) {
        homes.push({ path: resolved.realPath, aliases: [candidate] })
      } else if (!existing.aliases.includes(candidate)) {
        existing.aliases.push(candidate)
      }
    }
    if (homes.length === 0) return yield* new NoHomeFound({ lookedAt: candidates })
    return homes
  })

/**
 * Says why a folder is not a Mux home: it has neither `sessions/` nor `config.json`.
 * A common slip is to pass the folder that contains `.mux`, so the reason names the
 * home inside it when there is one.
 */
const explainNotAHome = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  folder: string
): Effect.Effect<string | undefined> =>
  Effect.gen(function*() {
    const exists = (name: string) => fs.exists(path.join(folder, name)).pipe(Effect.orElseSucceed(() => false))
    if ((yield* exists("sessions")) || (yield* exists("config.json"))) return undefined
    for (const inner of [".xum", ".mux", ".cmux"]) {
      if (yield* exists(path.join(inner, "sessions"))) {
        return `has no sessions/ or config.json, but ${path.join(folder, inner)} does`
      }
    }
    return "has no sessions/ or config.json, so it is not a Mux home"
  })

type Resolved = { readonly realPath: string } | { readonly reason: string }
const isUnresolved = (resolved: Resolved): resolved is { readonly reason: string } => "reason" in resolved

const resolveFolder = (fs: FileSystem.FileSystem, candidate: string): Effect.Effect<Resolved> =>
  Effect.gen(function*() {
    const info = yield* Effect.either(fs.stat(candidate))
    if (info._tag === "Left") {
      const error = info.left
      return { reason: error._tag === "SystemError" && error.reason === "NotFound" ? "does not exist" : `cannot be read (${error.message})` }
    }
    if (info.right.type !== "Directory") return { reason: "is not a folder" }
    const realPath = yield* Effect.either(fs.realPath(candidate))
    return realPath._tag === "Right" ? { realPath: realPath.right } : { reason: `cannot be resolved (${realPath.left.message})` }
  })
