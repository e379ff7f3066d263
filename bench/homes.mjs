// Synthetic Mux homes for the benchmark, made once by the shared generator and cached in the
// system temp folder, because a home of 100,000 workspaces takes a while to write.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("..", import.meta.url))

/** Folder that contains the cached homes and the logs of the runs. */
export const benchDir = join(tmpdir(), "mux-collector-bench")

/** Generator of synthetic homes, kept beside the repository in the shared folder. */
const generatorPath = resolve(repoRoot, "../shared/tools/make-mux-home.mjs")

/** Fraction of workspaces whose ledger the generator damages (truncated JSON, no byModel, wrong types). */
const damagedFraction = 0.01

/**
 * Returns the home for `workspaceCount` workspaces, generating it when it is missing, incomplete
 * or `fresh` is set. The generator writes the damaged-id manifest last, so a home without one
 * was interrupted and is rebuilt.
 *
 * @returns `{ workspaceCount, home, manifestPath, damagedIds }`, where `home` is the `.mux` folder.
 */
export function prepareHome(workspaceCount, { fresh }) {
  const dir = join(benchDir, `home-${workspaceCount}`)
  const home = join(dir, ".mux")
  const manifestPath = join(dir, "damaged.txt")

  if (fresh || !existsSync(manifestPath)) {
    generateHome(workspaceCount, dir, home, manifestPath)
  } else {
    console.error(`Reusing the home of ${workspaceCount} workspaces in ${dir} (--fresh rebuilds it).`)
  }

  const damagedIds = readFileSync(manifestPath, "utf8").split("\n").filter((line) => line !== "")
  return { workspaceCount, home, manifestPath, damagedIds }
}

function generateHome(workspaceCount, dir, home, manifestPath) {
  if (!existsSync(generatorPath)) {
    throw new Error(`Home generator not found at ${generatorPath}: the benchmark needs the shared tools folder beside the repository.`)
  }

  // Remove what an earlier or interrupted run left, so no stale workspace survives.
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })

  console.error(`Generating a home of ${workspaceCount} workspaces in ${dir} ...`)
  const startedAt = performance.now()
  const args = [
    generatorPath,
    "--out",
    home,
    "--workspaces",
    String(workspaceCount),
    "--bad",
    String(damagedFraction),
    "--manifest",
    manifestPath
  ]
  // The generator's own progress line goes to our stderr, leaving stdout to the report.
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", 2, 2] })
  if (result.status !== 0) {
    throw new Error(`Home generator failed (exit status ${result.status}, signal ${result.signal}): ${args.join(" ")}`)
  }
  console.error(`Generated in ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`)
}
