// Preload for `node --import`: when the process exits, writes its peak resident set size
// (`process.resourceUsage().maxRSS`, from getrusage(2), in KiB) to the file named by
// BENCH_MAXRSS_FILE. Nothing is written when the variable is unset.
// NOTE: a process killed by a signal never runs its "exit" handlers, so it leaves no file.
import { writeFileSync } from "node:fs"

const outputFile = process.env.BENCH_MAXRSS_FILE
if (outputFile) {
  process.on("exit", () => {
    writeFileSync(outputFile, String(process.resourceUsage().maxRSS))
  })
}
