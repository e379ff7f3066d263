import type { GroupCost } from "./summarize.js"

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })

export const formatTokens = (tokens: number): string => integerFormat.format(tokens)

/**
 * Formats dollars with cents, and with four decimals below one dollar so small spends do
 * not read as $0.00. The sum is first rounded to 12 significant digits, so a float sum
 * such as 0.041249999999999995 prints as $0.0413, as the exact 0.04125 would.
 */
export const formatUsd = (usd: number): string => {
  const rounded = Number(usd.toPrecision(12))
  return rounded !== 0 && Math.abs(rounded) < 1 ? `$${rounded.toFixed(4)}` : `$${rounded.toFixed(2)}`
}

/** Formats a count with its noun, singular for exactly one: "1 record", "2 records". */
export const countOf = (count: number, noun: string, plural = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : plural}`

/**
 * Formats a group's cost with its basis spelled out. Unpriced costs never show as $0,
 * partial costs are marked as lower bounds, and subscription-covered costs are marked "included".
 */
export const formatGroupCost = (cost: GroupCost): string => {
  switch (cost.basis) {
    case "unpriced":
      return "unpriced"
    case "partial":
      return `${formatUsd(cost.usd ?? 0)} partial`
    case "included":
      return `${formatUsd(cost.usd ?? 0)} included`
    case "recorded":
      return formatUsd(cost.usd ?? 0)
  }
}
