// Runs Node scripts as child processes and measures their wall time and peak memory.
// Every measured process gets the same preload and the same spawn overhead, so the baseline and
// the CLI are timed on equal terms.
import { spawnSync } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { benchDir } from "./homes.mjs"

/** Folder for the stderr logs of the measured processes and for their max RSS files. */
export const logDir = join(benchDir, "logs")

const maxRssPreload = new URL("./maxrss.mjs", import.meta.url).href

/** Output buffer of a process whose stdout is captured: generous, because `check --json` lists every error. */
const maxCapturedBytes = 512 * 1024 * 1024

/**
 * Runs `node <args>` once with stderr written to `stderrPath`, and stdout discarded or, with
 * `captureStdout`, returned as a string.
 *
 * @returns `{ status, signal, ms, maxRssBytes, stdout }`. `maxRssBytes` is null when the process
 *   left no max RSS file, which happens when a signal killed it.
 */
export function runNode(args, { stderrPath, captureStdout = false }) {
  mkdirSync(logDir, { recursive: true })
  const maxRssFile = join(logDir, `maxrss-${process.pid}.txt`)
  rmSync(maxRssFile, { force: true })

  const stdoutFd = captureStdout ? "pipe" : openSync("/dev/null", "w")
  const stderrFd = openSync(stderrPath, "w")
  let result
  let ms
  try {
    const startedAt = performance.now()
    result = spawnSync(process.execPath, ["--import", maxRssPreload, ...args], {
      stdio: ["ignore", stdoutFd, stderrFd],
      env: { ...process.env, BENCH_MAXRSS_FILE: maxRssFile },
      encoding: "utf8",
      maxBuffer: maxCapturedBytes
    })
    ms = performance.now() - startedAt
  } finally {
    if (typeof stdoutFd === "number") closeSync(stdoutFd)
    closeSync(stderrFd)
  }
  if (result.error) {
    throw new Error(`Failed to run node ${args.join(" ")}: ${result.error.message}`)
  }

  // maxRSS from getrusage(2) is in KiB on Linux and macOS.
  const maxRssBytes = existsSync(maxRssFile) ? Number(readFileSync(maxRssFile, "utf8")) * 1024 : null
  rmSync(maxRssFile, { force: true })
  return { status: result.status, signal: result.signal, ms, maxRssBytes, stdout: result.stdout ?? "" }
}

/**
 * Times each job: one untimed warm-up run each, so that every file is in the page cache, then
 * `rounds` rounds that run the jobs in turn. Interleaving spreads slow drift of the machine over
 * all jobs instead of loading it onto one. A job is `{ name, args, stderrPath }`. A run that exits
 * non-zero or by a signal marks its job as failed, and the job is not run again.
 *
 * @returns a Map from job name to `{ bestMs, maxRssBytes, failure }`: the minimum wall time of the
 *   timed runs, the maximum peak RSS over all runs (warm-up included), and null or the reason the
 *   job failed.
 */
export function measureJobs(jobs, { rounds }) {
  const results = new Map(jobs.map((job) => [job.name, { bestMs: Infinity, maxRssBytes: null, failure: null }]))

  const runJob = (job, timed) => {
    const entry = results.get(job.name)
    if (entry.failure !== null) return

    const run = runNode(job.args, { stderrPath: job.stderrPath })
    if (run.status !== 0) {
      const reason = run.signal ? `signal ${run.signal}` : `exit status ${run.status}`
      entry.failure = `failed with ${reason}: node ${job.args.join(" ")}; see ${job.stderrPath}`
      console.error(`  ${job.name} ${entry.failure}`)
      return
    }
    if (timed) entry.bestMs = Math.min(entry.bestMs, run.ms)
    if (run.maxRssBytes !== null) entry.maxRssBytes = Math.max(entry.maxRssBytes ?? 0, run.maxRssBytes)
  }

  for (const job of jobs) {
    console.error(`  warm-up: ${job.name}`)
    runJob(job, false)
  }
  for (let round = 1; round <= rounds; round++) {
    console.error(`  round ${round} of ${rounds}: ${jobs.map((job) => job.name).join(", ")}`)
    for (const job of jobs) runJob(job, true)
  }
  return results
}
