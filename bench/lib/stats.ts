/** Statistics and formatting helpers. */

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const sum = (values: ReadonlyArray<number>): number => values.reduce((a, b) => a + b, 0)

export const MiB = 1024 * 1024

export const fmtN = (n: number): string =>
  n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n)

/** Three significant digits, at least two decimals below 10. */
export const fmtNum = (x: number | undefined): string => {
  if (x === undefined || Number.isNaN(x)) return "-"
  if (x >= 100) return x.toFixed(0)
  if (x >= 10) return x.toFixed(1)
  return x.toFixed(2)
}

export const pad = (text: string, width: number, align: "left" | "right" = "left"): string =>
  align === "left" ? text.padEnd(width) : text.padStart(width)
