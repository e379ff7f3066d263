/**
 * Compares two strings by UTF-16 code unit, the order `<` gives. Unlike `localeCompare`,
 * it does not depend on the machine's locale, so listings and reports sort the same
 * everywhere.
 */
export const compareCodeUnits = (a: string, b: string): number => {
  if (a < b) return -1
  if (a > b) return 1
  return 0
}
