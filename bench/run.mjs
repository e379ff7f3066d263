// Benchmark of the mux-collector CLI against a plain Node baseline, on synthetic Mux homes.
//
//   node bench/run.mjs [--workspaces N] [--fresh] [--write]
//   npm run bench [-- options]        (builds dist/ first)
//
// For each home it times the baseline (bench/baseline.mjs), `records` and `summary`, then checks
// the CLI's errors and totals on the largest home, and prints a Markdown report on stdout.
// Progress goes to stderr. The exit status is 1 when setup, a CLI run or a correctness check fails,
// and 2 on invalid options. Missed speed or memory targets are reported but do not fail the run,
// because they depend on the machine.
import { existsSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { checkCorrectness } from "./correctness.mjs"
import { prepareHome, repoRoot } from "./homes.mjs"
import { logDir, measureJobs, runNode } from "./measure.mjs"
import { checkSectionMarkers, formatCheck, renderMarkdown, writeSection } from "./report.mjs"

const defaultWorkspaceCounts = [10_000, 100_000]
const timedRounds = 3
const cliPath = join(repoRoot, "dist", "main.js")
const baselinePath = join(repoRoot, "bench", "baseline.mjs")
const benchmarksPath = join(repoRoot, "BENCHMARKS.md")

const usage = `Usage: node bench/run.mjs [--workspaces N] [--fresh] [--write]

  --workspaces N  run one synthetic home of N workspaces (default: 10000, then 100000)
  --fresh         regenerate the cached homes
  --write         replace the figures between the bench markers in BENCHMARKS.md`

const options = parseOptions(process.argv.slice(2))
const cliAvailable = existsSync(cliPath)
try {
  process.exitCode = main() ? 0 : 1
} catch (error) {
  // Setup failures (generator, baseline, BENCHMARKS.md) end the run with their message alone.
  console.error(error.message)
  process.exitCode = 1
}

/** Runs the whole benchmark and returns whether every CLI run and correctness check passed. */
function main() {
  // Recorded before any work, because the benchmark's own processes raise the load average.
  const startLoadAverage = loadavg()[0]
  if (options.write) checkSectionMarkers(benchmarksPath)
  if (!cliAvailable) {
    console.error(`${cliPath} not found: run \`npm run build\` to measure the CLI. Measuring the baseline only.`)
  }

  let passed = true
  const sizes = []
  const homes = []
  for (const workspaceCount of options.workspaceCounts) {
    const home = prepareHome(workspaceCount, { fresh: options.fresh })
    homes.push(home)
    const size = measureHome(home)
    for (const [name, job] of size.jobs) {
      if (job.failure === null) continue
      const checkName = `${name} on ${workspaceCount.toLocaleString("en-US")} workspaces`
      console.log(formatCheck({ name: checkName, pass: false, detail: job.failure }))
      passed = false
    }
    sizes.push(size)
  }

  // The correctness check runs on the largest home measured: 100,000 workspaces by default.
  let correctness = null
  if (cliAvailable) {
    const home = homes[homes.length - 1]
    console.error(`Checking errors and totals on ${home.workspaceCount} workspaces ...`)
    const checks = checkCorrectness({ cliPath, ...home })
    for (const check of checks) {
      console.log(formatCheck(check))
      if (!check.pass) passed = false
    }
    correctness = { workspaceCount: home.workspaceCount, checks }
  }

  const command = ["node bench/run.mjs", ...process.argv.slice(2)].join(" ")
  const markdown = renderMarkdown({ command, rounds: timedRounds, startLoadAverage, sizes, cliAvailable, correctness })
  console.log(`\n${markdown}`)
  if (options.write) {
    writeSection(benchmarksPath, markdown)
    console.error(`Wrote the figures to ${benchmarksPath}.`)
  }
  return passed
}

/** Runs the baseline, and the CLI commands when built, on one home and returns its figures. */
function measureHome({ workspaceCount, home, damagedIds }) {
  console.error(`Measuring ${workspaceCount} workspaces (${home}):`)
  runBaselineOnce(home, workspaceCount)

  const stderrPath = (name) => join(logDir, `${name}-${workspaceCount}.stderr`)
  const jobs = [{ name: "baseline", args: [baselinePath, home], stderrPath: stderrPath("baseline") }]
  if (cliAvailable) {
    for (const name of ["records", "summary"]) {
      jobs.push({ name, args: [cliPath, name, "--root", home], stderrPath: stderrPath(name) })
    }
  }
  const results = measureJobs(jobs, { rounds: timedRounds })
  return { workspaceCount, damagedCount: damagedIds.length, jobs: results }
}

/**
 * Runs the baseline once with its output captured and checks that it visited every workspace,
 * so a broken home shows up before any timing. Only truncated ledgers fail to parse, because the
 * other damaged ledgers are valid JSON of the wrong shape.
 */
function runBaselineOnce(home, workspaceCount) {
  const stderrPath = join(logDir, `baseline-check-${workspaceCount}.stderr`)
  const run = runNode([baselinePath, home], { stderrPath, captureStdout: true })
  if (run.status !== 0) {
    throw new Error(`Baseline failed with exit status ${run.status} on ${home}; see ${stderrPath}.`)
  }
  const counts = JSON.parse(run.stdout)
  if (counts.parsed + counts.failed !== workspaceCount) {
    throw new Error(`Baseline visited ${counts.parsed + counts.failed} ledgers in ${home}, expected ${workspaceCount}; rebuild the home with --fresh.`)
  }
  console.error(`  baseline visited ${workspaceCount} ledgers: ${counts.parsed} parsed, ${counts.failed} not valid JSON`)
}

function parseOptions(args) {
  let values
  try {
    ;({ values } = parseArgs({
      args,
      options: {
        workspaces: { type: "string" },
        fresh: { type: "boolean", default: false },
        write: { type: "boolean", default: false },
        help: { type: "boolean", default: false }
      }
    }))
  } catch (error) {
    exitWithUsage(error.message)
  }
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }

  let workspaceCounts = defaultWorkspaceCounts
  if (values.workspaces !== undefined) {
    const count = Number(values.workspaces)
    if (!Number.isSafeInteger(count) || count < 1) {
      exitWithUsage(`Invalid --workspaces ${JSON.stringify(values.workspaces)}: expected a positive integer.`)
    }
    workspaceCounts = [count]
  }
  return { workspaceCounts, fresh: values.fresh, write: values.write }
}

function exitWithUsage(message) {
  console.error(`${message}\n\n${usage}`)
  process.exit(2)
}
