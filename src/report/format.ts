import type { GroupCost } from "./summarize.js"

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })

export const formatTokens = (tokens: number): string => integerFormat.format(tokens)

/** Dollars with cents, and four decimals below one dollar so small spends do not read as $0.00. */
export const formatUsd = (usd: number): string =>
  usd !== 0 && Math.abs(usd) < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`

/**
 * A group's cost with its basis spelled out: unpriced costs never show as $0, partial
 * costs say they are a lower bound, and subscription-covered costs say "included".
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
