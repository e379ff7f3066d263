// Baseline for the benchmark: the plainest synchronous way to read every ledger of a Mux home.
// It lists `<home>/sessions/`, reads each `session-usage.json` and parses it, so the CLI's time
// can be compared with the cost of the file reads and JSON parsing alone.
//
//   node bench/baseline.mjs <home>
//
// Prints the count of parsed ledgers and of those that failed to read or parse, which keeps the
// work observable and lets the caller check that every file was visited.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const home = process.argv[2]
if (!home) {
  console.error("usage: node bench/baseline.mjs <home>")
  process.exit(2)
}

const sessionsDir = join(home, "sessions")
let parsed = 0
let failed = 0
for (const workspaceId of readdirSync(sessionsDir)) {
  try {
    JSON.parse(readFileSync(join(sessionsDir, workspaceId, "session-usage.json"), "utf8"))
    parsed++
  } catch {
    failed++
  }
}
console.log(JSON.stringify({ parsed, failed }))
