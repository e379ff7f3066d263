import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** Root of this repository. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

export interface CliResult {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the CLI as a real child process (`node --import tsx src/main.ts ...`, or
 * `node <script> ...` for a built JavaScript file) and returns its exit status and
 * output. `env` entries set to undefined are removed.
 */
export const runCli = (
  args: ReadonlyArray<string>,
  options: {
    readonly env?: Record<string, string | undefined>
    readonly cwd?: string
    /** A built JavaScript entry point to run with plain `node` instead of the sources. */
    readonly script?: string
  } = {}
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
      if (value !== undefined) env[key] = value
    }
    const entry = options.script === undefined ? ["--import", "tsx", path.join(repoRoot, "src/main.ts")] : [options.script]
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }))
  })
