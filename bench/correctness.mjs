// End-to-end correctness check of the CLI on a synthetic home: the damaged ledgers it reports
// must be exactly those the generator damaged, and its totals must match totals computed here,
// independently, from the undamaged ledgers.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { logDir, runNode } from "./measure.mjs"

/** The five disjoint token buckets of a byModel entry. Their sum is the entry's total tokens. */
const tokenBuckets = ["input", "cached", "cacheCreate", "output", "reasoning"]

/** Maximum relative difference allowed between the CLI's total cost and the one computed here. */
const maxCostRelativeDifference = 1e-9

/**
 * Runs `check --json` and `summary --json` on the home and compares them with the manifest and
 * with `computeExpectedTotals`.
 *
 * @returns a list of `{ name, pass, detail }`, one per check.
 */
export function checkCorrectness({ cliPath, home, damagedIds, workspaceCount }) {
  return [
    checkReportedErrors(cliPath, home, damagedIds, workspaceCount),
    ...checkSummaryTotals(cliPath, home, damagedIds, workspaceCount)
  ]
}

function checkReportedErrors(cliPath, home, damagedIds, workspaceCount) {
  const name = `check --json reports the ${damagedIds.length} damaged workspaces of ${workspaceCount.toLocaleString("en-US")}`
  const stderrPath = join(logDir, `check-${workspaceCount}.stderr`)
  // `check` may exit non-zero when it finds errors, so only its stdout is judged.
  const run = runNode([cliPath, "check", "--root", home, "--json"], { stderrPath, captureStdout: true })
  const output = parseJsonOutput(run, stderrPath)
  if (output.error) return { name, pass: false, detail: output.error }
  if (!Array.isArray(output.value?.errors)) {
    return { name, pass: false, detail: `stdout has no "errors" array; see ${stderrPath}` }
  }

  // An error without a workspaceId counts as one more distinct value, which no manifest id matches.
  const reportedIds = new Set(output.value.errors.map((error) => error.workspaceId ?? null))
  const expectedIds = new Set(damagedIds)
  const missing = [...expectedIds].filter((id) => !reportedIds.has(id))
  const unexpected = [...reportedIds].filter((id) => !expectedIds.has(id))
  const pass = missing.length === 0 && unexpected.length === 0
  const detail =
    `${output.value.errors.length} errors over ${reportedIds.size} distinct workspaceId values, ` +
    `${expectedIds.size} ids in the manifest` +
    (missing.length > 0 ? `; not reported: ${formatSample(missing)}` : "") +
    (unexpected.length > 0 ? `; not in the manifest: ${formatSample(unexpected)}` : "")
  return { name, pass, detail }
}

function checkSummaryTotals(cliPath, home, damagedIds, workspaceCount) {
  const tokensName = `summary --json totals.totalTokens on ${workspaceCount.toLocaleString("en-US")} workspaces`
  const costName = `summary --json totals.cost.usd on ${workspaceCount.toLocaleString("en-US")} workspaces`
  const stderrPath = join(logDir, `summary-json-${workspaceCount}.stderr`)
  const run = runNode([cliPath, "summary", "--root", home, "--json"], { stderrPath, captureStdout: true })

  let failure = null
  if (run.status !== 0) failure = `exited with ${run.signal ?? `status ${run.status}`}; see ${stderrPath}`
  const output = failure === null ? parseJsonOutput(run, stderrPath) : null
  if (output?.error) failure = output.error
  if (failure !== null) {
    return [
      { name: tokensName, pass: false, detail: failure },
      { name: costName, pass: false, detail: failure }
    ]
  }

  const expected = computeExpectedTotals(home, damagedIds)
  const totals = output.value?.totals
  return [compareTokens(tokensName, totals?.totalTokens, expected.totalTokens), compareCost(costName, totals?.cost?.usd, expected.costUsd)]
}

function compareTokens(name, actual, expected) {
  // Accept a JSON number or a decimal string, since a total may be printed as a string to stay exact.
  const isInteger = (typeof actual === "number" && Number.isSafeInteger(actual)) ||
    (typeof actual === "string" && /^\d+$/.test(actual))
  if (!isInteger) {
    return { name, pass: false, detail: `expected an integer, got ${JSON.stringify(actual)}` }
  }
  const pass = BigInt(actual) === expected
  return { name, pass, detail: `CLI ${actual}, expected ${expected}` }
}

function compareCost(name, actual, expected) {
  if (actual !== null && typeof actual !== "number") {
    return { name, pass: false, detail: `expected a number or null, got ${JSON.stringify(actual)}` }
  }
  const actualUsd = actual ?? 0
  const scale = Math.max(Math.abs(actualUsd), Math.abs(expected))
  const relativeDifference = scale === 0 ? 0 : Math.abs(actualUsd - expected) / scale
  const pass = relativeDifference < maxCostRelativeDifference
  const detail = `CLI ${actual}, expected ${expected}, relative difference ${relativeDifference.toExponential(2)}` +
    ` (limit ${maxCostRelativeDifference})`
  return { name, pass, detail }
}

/**
 * Sums, over the byModel entries of every undamaged ledger, the tokens of the five buckets and
 * every `cost_usd` present. Raises an error when an undamaged ledger does not parse, because then
 * the home and its manifest disagree.
 *
 * @returns `{ totalTokens, costUsd }`, with `totalTokens` as a BigInt so the sum stays exact.
 */
export function computeExpectedTotals(home, damagedIds) {
  const damaged = new Set(damagedIds)
  const sessionsDir = join(home, "sessions")
  let totalTokens = 0n
  const cost = new CompensatedSum()

  for (const workspaceId of readdirSync(sessionsDir)) {
    if (damaged.has(workspaceId)) continue
    const ledgerPath = join(sessionsDir, workspaceId, "session-usage.json")
    let ledger
    try {
      ledger = JSON.parse(readFileSync(ledgerPath, "utf8"))
    } catch (error) {
      throw new Error(`Ledger ${ledgerPath} is not in the damaged manifest but failed to parse (${error.message}); rebuild the home with --fresh.`)
    }
    for (const entry of Object.values(ledger.byModel)) {
      for (const bucketName of tokenBuckets) {
        const bucket = entry[bucketName]
        if (bucket === undefined) continue
        totalTokens += BigInt(bucket.tokens)
        if (typeof bucket.cost_usd === "number") cost.add(bucket.cost_usd)
      }
    }
  }
  return { totalTokens, costUsd: cost.value() }
}

/** Neumaier's compensated summation, so the reference cost carries almost no rounding error of its own. */
class CompensatedSum {
  sum = 0
  compensation = 0

  add(value) {
    const next = this.sum + value
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - next + value
    else this.compensation += value - next + this.sum
    this.sum = next
  }

  value() {
    return this.sum + this.compensation
  }
}

function parseJsonOutput(run, stderrPath) {
  if (run.signal) return { error: `killed by signal ${run.signal}; see ${stderrPath}` }
  try {
    return { value: JSON.parse(run.stdout) }
  } catch (error) {
    return { error: `stdout is not one JSON value (${error.message}); exit status ${run.status}, see ${stderrPath}` }
  }
}

function formatSample(ids) {
  const shownIds = ids.slice(0, 5).map((id) => JSON.stringify(id)).join(", ")
  return ids.length > 5 ? `${shownIds} and ${ids.length - 5} more` : shownIds
}
