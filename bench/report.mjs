// Markdown report of a benchmark run, and its place in BENCHMARKS.md.
import { arch, cpus, platform, release } from "node:os"
import { existsSync, readFileSync, writeFileSync } from "node:fs"

export const startMarker = "<!-- bench:start -->"
export const endMarker = "<!-- bench:end -->"

/** Targets for the CLI. A missed target is reported but never changes the exit status. */
export const targets = {
  maxRecordsRatio: 2.0,
  stretchRecordsRatio: 1.5,
  maxPeakBytes: 150e6,
  // Even the baseline, which keeps no ledger, peaks higher on the larger home, because V8 grows
  // its young generation with the allocation rate. bench/baseline.mjs peaked at 55 MB on 10,000
  // workspaces and 100 MB on 100,000 (Node 20.20, 2-CPU AMD EPYC, Linux). So a command counts as
  // flat when its max RSS grows by at most the baseline's growth plus this allowance.
  // NOTE: the allowance is a chosen tolerance, not a measured bound.
  memoryGrowthAllowanceBytes: 10e6
}

const intro = `# Benchmarks

\`npm run bench\` builds the CLI and runs \`bench/run.mjs\`. The script generates two synthetic
Mux homes, of 10,000 and 100,000 workspaces with 1% damaged ledgers, and caches them in the
system temp folder under \`mux-collector-bench/\`. For each home it times \`mux-collector records\`
and \`mux-collector summary\` against a baseline: a plain synchronous Node loop that only reads and
parses every ledger. Each figure is the best wall time of 3 runs after a warm-up run, with every
run in a fresh \`node\` process, and the peak memory is the process's maximum resident set size.
The script then checks on the larger home that \`check\` reports exactly the damaged workspaces and
that \`summary\` totals match totals computed independently from the undamaged ledgers.

Options of \`node bench/run.mjs\`: \`--workspaces N\` runs one home of N workspaces, \`--fresh\`
regenerates the homes, and \`--write\` replaces the section below with the new figures.
`

/**
 * Builds the Markdown block of a run.
 *
 * @param run `{ command, rounds, startLoadAverage, sizes, cliAvailable, correctness }`, where
 *   `rounds` is the number of timed runs per figure, `startLoadAverage` the 1-minute load average
 *   when the run started, each size is `{ workspaceCount, damagedCount, jobs }` with `jobs` the
 *   Map of `measureJobs`, and `correctness` is null or `{ workspaceCount, checks }`.
 */
export function renderMarkdown({ command, rounds, startLoadAverage, sizes, cliAvailable, correctness }) {
  const cpu = cpus()
  const lines = [
    "## Latest run",
    "",
    `- Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} logical CPUs, ${platform()} ${release()} ${arch()}`,
    `- Node.js: ${process.version}`,
    `- Load average (1 minute) when the run started: ${startLoadAverage.toFixed(2)}`,
    `- Command: \`${command}\``,
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Method: best wall time of ${rounds} runs after one warm-up run, each a fresh \`node\` process with`,
    "  stdout sent to /dev/null. Peak memory is the maximum RSS over all runs (1 MB = 10^6 bytes).",
    ""
  ]
  if (!cliAvailable) {
    lines.push("`dist/main.js` was not built, so only the baseline was measured.", "")
  }

  lines.push(...renderFiguresTable(sizes, cliAvailable), "")
  const failedRuns = sizes.flatMap((size) =>
    [...size.jobs].filter(([, job]) => job.failure !== null).map(([name, job]) => ({ size, name, job }))
  )
  for (const { size, name, job } of failedRuns) {
    lines.push(`- ${formatCheck({ name: `${name} on ${formatCount(size.workspaceCount)} workspaces`, pass: false, detail: job.failure })}`)
  }
  if (failedRuns.length > 0) lines.push("")
  if (cliAvailable) lines.push(...renderTargetsTable(sizes), "")
  if (correctness) {
    lines.push(`Correctness on the home of ${formatCount(correctness.workspaceCount)} workspaces:`, "")
    for (const check of correctness.checks) lines.push(`- ${formatCheck(check)}`)
    lines.push("")
  }
  return lines.join("\n")
}

/** Formats one correctness check as a PASS or FAIL line. */
export function formatCheck({ name, pass, detail }) {
  return `${pass ? "PASS" : "FAIL"} ${name}: ${detail}`
}

function renderFiguresTable(sizes, cliAvailable) {
  const header = ["", ...sizes.map((size) => `${formatCount(size.workspaceCount)} workspaces`)]
  const rows = [
    ["damaged ledgers", ...sizes.map((size) => formatCount(size.damagedCount))],
    ["baseline time", ...sizes.map((size) => formatTime(size.jobs.get("baseline")))],
    ["baseline max RSS", ...sizes.map((size) => formatMemory(size.jobs.get("baseline")))]
  ]
  if (cliAvailable) {
    for (const command of ["records", "summary"]) {
      rows.push(
        [`\`${command}\` time`, ...sizes.map((size) => formatTime(size.jobs.get(command)))],
        [`\`${command}\` / baseline`, ...sizes.map((size) => formatRatio(timeRatio(size, command)))],
        [`\`${command}\` max RSS`, ...sizes.map((size) => formatMemory(size.jobs.get(command)))]
      )
    }
  }
  return renderTable(header, rows, ["---", ...sizes.map(() => "---:")])
}

function renderTargetsTable(sizes) {
  const rows = []

  const ratios = sizes.map((size) => ({ size, ratio: timeRatio(size, "records") }))
  const ratioVerdict = ratios.every(({ ratio }) => ratio !== null && ratio <= targets.stretchRecordsRatio)
    ? "met, stretch too"
    : verdict(ratios.every(({ ratio }) => ratio !== null && ratio <= targets.maxRecordsRatio))
  rows.push([
    `\`records\` within ${targets.maxRecordsRatio.toFixed(1)}× of the baseline (stretch ${targets.stretchRecordsRatio.toFixed(1)}×)`,
    ratios.map(({ size, ratio }) => `${formatRatio(ratio)} at ${formatCount(size.workspaceCount)}`).join(", "),
    ratioVerdict
  ])

  const peaks = sizes.flatMap((size) =>
    ["records", "summary"].map((command) => ({ size, command, bytes: size.jobs.get(command).maxRssBytes }))
  )
  rows.push([
    `peak memory under ${targets.maxPeakBytes / 1e6} MB`,
    `max ${formatBytes(Math.max(...peaks.map(({ bytes }) => bytes ?? Infinity)))}`,
    verdict(peaks.every(({ bytes }) => bytes !== null && bytes < targets.maxPeakBytes))
  ])

  if (sizes.length >= 2) {
    const smallest = sizes[0]
    const largest = sizes[sizes.length - 1]
    const growthOf = (command) => {
      const smallBytes = smallest.jobs.get(command).maxRssBytes
      const largeBytes = largest.jobs.get(command).maxRssBytes
      const growthBytes = smallBytes !== null && largeBytes !== null ? largeBytes - smallBytes : null
      return { smallBytes, largeBytes, growthBytes }
    }
    const baseline = growthOf("baseline")
    for (const command of ["records", "summary"]) {
      const { smallBytes, largeBytes, growthBytes } = growthOf(command)
      const met = growthBytes !== null && baseline.growthBytes !== null &&
        growthBytes <= baseline.growthBytes + targets.memoryGrowthAllowanceBytes
      rows.push([
        `\`${command}\` max RSS flat from ${formatCount(smallest.workspaceCount)} to ${formatCount(largest.workspaceCount)} workspaces` +
        ` (grows at most ${targets.memoryGrowthAllowanceBytes / 1e6} MB more than the baseline)`,
        `${formatBytes(smallBytes)} → ${formatBytes(largeBytes)}; baseline ${formatBytes(baseline.smallBytes)} → ${formatBytes(baseline.largeBytes)}`,
        verdict(met)
      ])
    }
  }
  return renderTable(["target", "measured", "result"], rows, ["---", "---", "---"])
}

/** Replaces the section between the markers in a Markdown file, creating the file with an intro when it is missing. */
export function writeSection(filePath, markdown) {
  const section = `${startMarker}\n${markdown.trimEnd()}\n${endMarker}`
  if (!existsSync(filePath)) {
    writeFileSync(filePath, `${intro}\n${section}\n`)
    return
  }

  const text = readFileSync(filePath, "utf8")
  const { start, end } = findSection(filePath, text)
  writeFileSync(filePath, text.slice(0, start) + section + text.slice(end + endMarker.length))
}

/** Raises an error when `writeSection` would fail on the file, so a run can stop before measuring. */
export function checkSectionMarkers(filePath) {
  if (existsSync(filePath)) findSection(filePath, readFileSync(filePath, "utf8"))
}

function findSection(filePath, text) {
  const start = text.indexOf(startMarker)
  const end = text.indexOf(endMarker)
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`${filePath} has no "${startMarker}" ... "${endMarker}" section; add the two markers where the figures belong.`)
  }
  return { start, end }
}

function timeRatio(size, command) {
  const job = size.jobs.get(command)
  const baseline = size.jobs.get("baseline")
  if (job.failure !== null || baseline.failure !== null) return null
  return job.bestMs / baseline.bestMs
}

function renderTable(header, rows, alignment) {
  return [header, alignment, ...rows].map((cells) => `| ${cells.join(" | ")} |`)
}

function verdict(met) {
  return met ? "met" : "missed"
}

function formatCount(count) {
  return count.toLocaleString("en-US")
}

function formatTime(job) {
  return job.failure === null ? `${Math.round(job.bestMs).toLocaleString("en-US")} ms` : "failed"
}

function formatMemory(job) {
  return job.failure === null ? formatBytes(job.maxRssBytes) : "failed"
}

function formatBytes(bytes) {
  return bytes === null || !Number.isFinite(bytes) ? "n/a" : `${(bytes / 1e6).toFixed(1)} MB`
}

function formatRatio(ratio) {
  return ratio === null ? "n/a" : `${ratio.toFixed(2)}×`
}
