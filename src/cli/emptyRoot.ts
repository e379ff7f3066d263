/**
 * Finds a `--root` given without a path (`--root`, `--root ""` or `--root=`), which
 * @effect/cli would otherwise drop, so the run would silently read the default homes.
 * Returns the message for the error, or undefined when every `--root` has a value.
 */
export const findEmptyRoot = (args: ReadonlyArray<string>): string | undefined => {
  for (const [index, arg] of args.entries()) {
    if (arg === "--") return undefined
    const value = arg === "--root" ? args[index + 1] : arg.startsWith("--root=") ? arg.slice("--root=".length) : null
    if (value === null) continue
    if (value === undefined || value.trim() === "" || (arg === "--root" && value.startsWith("--"))) {
      return "invalid --root: expected the path of a Mux home after it, such as --root ~/.mux"
    }
  }
  return undefined
}
