/**
 * Renderers of a timeline: a terminal Gantt chart (ASCII or Unicode, optionally coloured) and SVG. Pure
 * functions of the timeline, so their output is golden-tested.
 */
import { TypeError } from "../Errors.ts"
import type { Outcome, SvgOptions, TextOptions, Timeline, Track } from "../Timeline.ts"
import { describeReason, formatSeconds } from "./format.ts"
import * as validate from "./validate.ts"

// ---------------------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------------------

/** A "nice" tick step (1, 2, 2.5 or 5 × 10^k) giving about `count` ticks over `duration`. */
export const tickStep = (duration: number, count: number): number => {
  const raw = duration / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude
  return 10 * magnitude
}

const ticks = (duration: number, count: number): Array<number> => {
  if (duration <= 0) return [0]
  const step = tickStep(duration, count)
  const out: Array<number> = []
  for (let i = 0; i * step <= duration + step * 1e-9; i++) out.push(Math.round(i * step * 1e6) / 1e6)
  return out
}

/** What happened to a task, in words. */
export const describeOutcome = (track: Track): string => {
  const outcome: Outcome | undefined = track.outcome
  let text: string
  if (outcome === undefined) text = "still running when the recording ended"
  else if (outcome._tag === "Returned") text = "returned"
  else if (outcome._tag === "Failed") text = `failed: ${outcome.error}`
  else text = `cancelled: ${describeReason(outcome.reason)}`
  for (const inner of track.scopeCancellations) {
    text += `; at ${formatSeconds(inner.at)} s work inside it was cancelled: ${describeReason(inner.reason)}`
  }
  return text
}

/**
 * The line saying what a recording left out once it reached its limit, or `undefined` if it left out nothing:
 * `dropped: the recording reached its limit of 100000 events at 12.5 s; 4,000 later tasks were not recorded, …`.
 */
export const describeDropped = (timeline: Timeline): string | undefined => {
  const { dropped } = timeline
  if (dropped.tasks === 0 && dropped.events === 0) return undefined
  const at = dropped.at === undefined ? "" : ` at ${formatSeconds(dropped.at)} s`
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`
  return (
    `dropped: the recording reached its limit of ${dropped.maxEvents} events${at}; ` +
    `${plural(dropped.tasks, "later task")} not recorded, ${plural(dropped.events, "event")} of recorded tasks ` +
    `dropped (how each recorded task ended is kept)`
  )
}

/** How a task ended, without the cancellations inside it. */
const captionOf = (track: Track): string => describeOutcome({ ...track, scopeCancellations: [] })

/** A duration with two significant digits: `0.02`, `0.1`, `1.5`. */
const approx = (seconds: number): string => String(Number(seconds.toPrecision(2)))

// ---------------------------------------------------------------------------------------------------------
// Terminal
// ---------------------------------------------------------------------------------------------------------

const isTimeline = (u: unknown): boolean =>
  typeof u === "object" &&
  u !== null &&
  Array.isArray(Reflect.get(u, "tasks")) &&
  typeof Reflect.get(u, "duration") === "number"

/** The checks of `Timeline.toText` (misuse throws `TypeError`/`ValueError`, see `validate.ts`). */
const checkTextOptions = (timeline: Timeline, options: TextOptions | undefined): void => {
  const call = "Timeline.toText"
  if (!isTimeline(timeline))
    throw new TypeError(`${call}: a Timeline was expected, got ${validate.show(timeline)}`)
  const checked = validate.options(call, options, ["width", "style", "color", "legend", "title"])
  if (checked.width !== undefined) validate.integer(call, checked.width, "width", 2)
  if (checked.style !== undefined) validate.oneOf(call, checked.style, "style", ["ascii", "unicode"])
  validate.boolean(call, checked.color, "color", false)
  validate.boolean(call, checked.legend, "legend", true)
  validate.name(call, checked.title, "title")
}

/** The checks of `Timeline.toSvg`. */
const checkSvgOptions = (timeline: Timeline, options: SvgOptions | undefined): void => {
  const call = "Timeline.toSvg"
  if (!isTimeline(timeline))
    throw new TypeError(`${call}: a Timeline was expected, got ${validate.show(timeline)}`)
  const checked = validate.options(call, options, ["width", "title"])
  if (checked.width !== undefined) validate.integer(call, checked.width, "width", 200)
  validate.name(call, checked.title, "title")
}

type Cell =
  | "empty"
  | "pending"
  | "running"
  | "waiting"
  | "cleanup"
  | "start"
  | "cancel"
  | "inside"
  | Outcome["_tag"]

const glyphs: Record<"unicode" | "ascii", Record<Cell, string>> = {
  unicode: {
    empty: " ",
    pending: "┈",
    running: "█",
    waiting: "─",
    cleanup: "╌",
    start: "├",
    cancel: "╳",
    inside: "◆",
    Returned: "●",
    Failed: "✗",
    Cancelled: "⊘"
  },
  ascii: {
    empty: " ",
    pending: ".",
    running: "=",
    waiting: "-",
    cleanup: "~",
    start: "|",
    cancel: "^",
    inside: "*",
    Returned: "o",
    Failed: "!",
    Cancelled: "x"
  }
}

const ansi: Record<Cell, string> = {
  empty: "",
  pending: "\u001b[2m",
  running: "\u001b[32m",
  waiting: "\u001b[36m",
  cleanup: "\u001b[33m",
  start: "\u001b[1m",
  cancel: "\u001b[1;33m",
  inside: "\u001b[1;35m",
  Returned: "\u001b[1;32m",
  Failed: "\u001b[1;31m",
  Cancelled: "\u001b[1;33m"
}
const RESET = "\u001b[0m"

const legendOrder: ReadonlyArray<readonly [Cell, string]> = [
  ["start", "start"],
  ["running", "running"],
  ["waiting", "waiting"],
  ["pending", "not started"],
  ["cancel", "cancel requested"],
  ["cleanup", "cleaning up"],
  ["inside", "work inside cancelled (timeout, group)"],
  ["Returned", "returned"],
  ["Failed", "failed"],
  ["Cancelled", "cancelled"]
]

const truncate = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`)

/** The cells of one track on an axis of `columns` columns. */
const cellsOf = (track: Track, col: (t: number) => number, columns: number): Array<Cell> => {
  const cells = new Array<Cell>(columns).fill("empty")
  for (const segment of track.segments) {
    const kind: Cell =
      segment.state === "pending"
        ? "pending"
        : segment.state === "waiting"
          ? segment.cancelling
            ? "cleanup"
            : "waiting"
          : "running"
    for (let c = col(segment.from); c <= col(segment.to); c++) cells[c] = kind
  }
  if (track.started !== undefined) cells[col(track.started)] = "start"
  for (const inner of track.scopeCancellations) cells[col(inner.at)] = "inside"
  if (track.cancelRequested !== undefined) cells[col(track.cancelRequested.at)] = "cancel"
  if (track.ended !== undefined && track.outcome !== undefined) cells[col(track.ended)] = track.outcome._tag
  return cells
}

/** The Gantt chart of `timeline` for a terminal. */
export const toText = (timeline: Timeline, options?: TextOptions): string => {
  checkTextOptions(timeline, options)
  const style = options?.style ?? "ascii"
  const color = options?.color === true
  const g = glyphs[style]
  const paint = (cell: Cell, text: string): string =>
    color && ansi[cell] !== "" && text.trim() !== "" ? `${ansi[cell]}${text}${RESET}` : text
  const duration = timeline.duration
  const columns = duration > 0 ? Math.max(2, options?.width ?? 60) : 1
  const col = (t: number): number =>
    duration > 0 ? Math.min(columns - 1, Math.max(0, Math.round((t / duration) * (columns - 1)))) : 0

  const labels = timeline.tasks.map((track) => `#${track.id} ${truncate(track.name, 24)}`)
  const labelWidth = Math.max(4, ...labels.map((l) => l.length))
  const indent = " ".repeat(labelWidth + 2)
  const lines: Array<string> = []
  const count = timeline.tasks.length
  lines.push(
    options?.title ??
      `timeline: ${count} task${count === 1 ? "" : "s"}, ${formatSeconds(duration)} s` +
        (duration > 0 ? ` (one column ≈ ${approx(duration / (columns - 1))} s)` : "")
  )

  // Axis: tick labels, then the rule.
  const tickTimes = ticks(duration, Math.max(1, Math.min(6, Math.floor(columns / 10))))
  const labelLine = new Array<string>(columns + 8).fill(" ")
  let free = 0
  for (const t of tickTimes) {
    const text = `${formatSeconds(t)}s`
    const at = col(t)
    const start = Math.min(at, columns + 8 - text.length)
    if (start < free) continue
    for (let i = 0; i < text.length; i++) labelLine[start + i] = text[i]
    free = start + text.length + 1
  }
  lines.push(indent + labelLine.join("").trimEnd())
  const rule = new Array<string>(columns).fill(style === "unicode" ? "─" : "-")
  for (const t of tickTimes) rule[col(t)] = style === "unicode" ? "┼" : "+"
  rule[0] = style === "unicode" ? "├" : "|"
  if (columns > 1) rule[columns - 1] = style === "unicode" ? "┤" : "|"
  lines.push(indent + rule.join(""))

  timeline.tasks.forEach((track, i) => {
    const cells = cellsOf(track, col, columns)
    let bar = ""
    let run: Cell | undefined
    let chunk = ""
    for (const cell of cells) {
      if (cell !== run && chunk !== "") {
        bar += paint(run!, chunk)
        chunk = ""
      }
      run = cell
      chunk += g[cell]
    }
    if (chunk !== "") bar += paint(run!, chunk)
    const end: Cell = track.outcome === undefined ? "running" : track.outcome._tag
    const outcome = paint(track.outcome === undefined ? "empty" : end, describeOutcome(track))
    lines.push(`${labels[i].padEnd(labelWidth)}  ${bar}  ${outcome}`.trimEnd())
  })
  const dropped = describeDropped(timeline)
  if (dropped !== undefined) lines.push(dropped)
  if (options?.legend !== false) {
    lines.push(`legend: ${legendOrder.map(([cell, text]) => `${paint(cell, g[cell])} ${text}`).join("  ")}`)
  }
  return `${lines.join("\n")}\n`
}

// ---------------------------------------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------------------------------------

const escapeXml = (s: string): string =>
  s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;")

const num = (x: number): string => String(Math.round(x * 100) / 100)

const COLORS = {
  pending: "#bdbdbd",
  running: "#43a047",
  waiting: "#90caf9",
  cleanup: "#ffb74d",
  cancel: "#e65100",
  inside: "#8e24aa",
  Returned: "#2e7d32",
  Failed: "#c62828",
  Cancelled: "#e65100",
  grid: "#e0e0e0",
  text: "#212121",
  muted: "#616161"
} as const

const CHAR = 7.2 // approximate advance of a 12px monospace character

/** The timeline of `timeline` as a standalone SVG document (one `<g class="task">` per task, a legend). */
export const toSvg = (timeline: Timeline, options?: SvgOptions): string => {
  checkSvgOptions(timeline, options)
  const width = options?.width ?? 960
  const duration = timeline.duration
  const names = timeline.tasks.map((track) => truncate(`#${track.id} ${track.name}`, 28))
  const left = Math.max(120, Math.ceil(Math.max(0, ...names.map((n) => n.length)) * CHAR) + 24)
  const right = 24
  const chart = width - left - right
  const x = (t: number): number => left + (duration > 0 ? (t / duration) * chart : 0)
  const count = timeline.tasks.length
  const title =
    options?.title ?? `timeline: ${count} task${count === 1 ? "" : "s"}, ${formatSeconds(duration)} s`
  // Each row: labels of what is awaited, the bar, then one caption line for the outcome and one per cancellation
  // of work inside the task.
  const rowHeights = timeline.tasks.map((track) => 46 + 13 * track.scopeCancellations.length)
  const top = 64
  const rowTops: Array<number> = []
  let rowsBottom = top
  for (const h of rowHeights) {
    rowTops.push(rowsBottom)
    rowsBottom += h
  }
  const legendTop = rowsBottom + 16
  const dropped = describeDropped(timeline)
  const height = legendTop + 52 + (dropped === undefined ? 0 : 20)
  const maxChars = Math.floor((width - left - 8) / (CHAR * 0.92))

  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="12">`
  )
  out.push(`<title>${escapeXml(title)}</title>`)
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(
    `<text x="12" y="22" font-size="14" font-weight="bold" fill="${COLORS.text}">${escapeXml(title)}</text>`
  )

  // Axis and grid.
  out.push('<g class="axis">')
  for (const t of ticks(duration, 8)) {
    const tx = num(x(t))
    out.push(
      `<line x1="${tx}" y1="${top - 14}" x2="${tx}" y2="${rowsBottom}" stroke="${COLORS.grid}" stroke-width="1"/>`
    )
    out.push(
      `<text x="${tx}" y="${top - 20}" text-anchor="middle" fill="${COLORS.muted}">${escapeXml(`${formatSeconds(t)}s`)}</text>`
    )
  }
  out.push("</g>")

  timeline.tasks.forEach((track, i) => {
    const y = rowTops[i]
    const barY = y + 14
    const barH = 14
    const mid = barY + barH / 2
    const outcome = describeOutcome(track)
    out.push(`<g class="task" id="task-${track.id}">`)
    out.push(
      `<title>${escapeXml(
        `${track.name} (#${track.id}), owner ${track.owner}${track.creator === undefined ? "" : `, created by ${track.creator}`}: ${outcome}`
      )}</title>`
    )
    out.push(
      `<text x="12" y="${num(mid + 4)}" fill="${COLORS.text}" font-weight="bold">${escapeXml(names[i])}</text>`
    )
    for (const segment of track.segments) {
      const x1 = x(segment.from)
      const w = Math.max(segment.state === "running" ? 1.5 : 0.75, x(segment.to) - x1)
      const what =
        segment.state === "pending"
          ? "not started"
          : segment.state === "running"
            ? "running"
            : `${segment.cancelling ? "cleaning up, " : ""}waiting on ${segment.on ?? "?"}`
      const fill =
        segment.state === "pending"
          ? "none"
          : segment.state === "running"
            ? COLORS.running
            : segment.cancelling
              ? COLORS.cleanup
              : COLORS.waiting
      const stroke = segment.state === "pending" ? ` stroke="${COLORS.pending}" stroke-dasharray="3 2"` : ""
      const h = segment.state === "running" ? barH : barH - 4
      const sy = segment.state === "running" ? barY : barY + 2
      out.push(
        `<rect class="${segment.state}" x="${num(x1)}" y="${num(sy)}" width="${num(w)}" height="${h}" fill="${fill}"${stroke}>` +
          `<title>${escapeXml(`${what}: ${formatSeconds(segment.from)} s → ${formatSeconds(segment.to)} s`)}</title></rect>`
      )
      // What it waits on, above the bar, where there is room.
      if (segment.state === "waiting" && segment.on !== undefined && segment.on.length * 5.6 + 6 <= w) {
        out.push(
          `<text class="on" x="${num(x1 + 3)}" y="${num(barY - 3)}" font-size="9" fill="${COLORS.muted}">${escapeXml(segment.on)}</text>`
        )
      }
    }
    for (const inner of track.scopeCancellations) {
      const ix = x(inner.at)
      out.push(
        `<path class="inside-cancelled" d="M${num(ix)} ${num(mid - 6)} L${num(ix + 6)} ${num(mid)} L${num(ix)} ${num(mid + 6)} L${num(ix - 6)} ${num(mid)} Z" fill="${COLORS.inside}">` +
          `<title>${escapeXml(
            `at ${formatSeconds(inner.at)} s work inside the task was cancelled: ${describeReason(inner.reason)}`
          )}</title></path>`
      )
    }
    if (track.started !== undefined) {
      const sx = num(x(track.started))
      out.push(
        `<line class="start" x1="${sx}" y1="${barY - 2}" x2="${sx}" y2="${barY + barH + 2}" stroke="${COLORS.text}" stroke-width="2">` +
          `<title>${escapeXml(`started at ${formatSeconds(track.started)} s`)}</title></line>`
      )
    }
    if (track.cancelRequested !== undefined) {
      const cx = x(track.cancelRequested.at)
      const r = 5
      out.push(
        `<path class="cancel-requested" d="M${num(cx - r)} ${num(mid - r)} L${num(cx + r)} ${num(mid + r)} M${num(cx - r)} ${num(mid + r)} L${num(cx + r)} ${num(mid - r)}" stroke="${COLORS.cancel}" stroke-width="2.5">` +
          `<title>${escapeXml(
            `cancel requested at ${formatSeconds(track.cancelRequested.at)} s: ${describeReason(track.cancelRequested.reason)}`
          )}</title></path>`
      )
    }
    if (track.ended !== undefined && track.outcome !== undefined) {
      const ex = x(track.ended)
      const label = escapeXml(`${outcome} (at ${formatSeconds(track.ended)} s)`)
      switch (track.outcome._tag) {
        case "Returned":
          out.push(
            `<circle class="returned" cx="${num(ex)}" cy="${num(mid)}" r="5" fill="${COLORS.Returned}"><title>${label}</title></circle>`
          )
          break
        case "Failed":
          out.push(
            `<path class="failed" d="M${num(ex - 5)} ${num(mid - 5)} L${num(ex + 5)} ${num(mid + 5)} M${num(ex - 5)} ${num(mid + 5)} L${num(ex + 5)} ${num(mid - 5)}" stroke="${COLORS.Failed}" stroke-width="3.5"><title>${label}</title></path>`
          )
          break
        case "Cancelled":
          out.push(
            `<g class="cancelled"><circle cx="${num(ex)}" cy="${num(mid)}" r="5.5" fill="#ffffff" stroke="${COLORS.Cancelled}" stroke-width="2"/>` +
              `<line x1="${num(ex - 4)}" y1="${num(mid + 4)}" x2="${num(ex + 4)}" y2="${num(mid - 4)}" stroke="${COLORS.Cancelled}" stroke-width="2"/><title>${label}</title></g>`
          )
          break
      }
    }
    const captionColor =
      track.outcome === undefined
        ? COLORS.muted
        : track.outcome._tag === "Returned"
          ? COLORS.muted
          : COLORS[track.outcome._tag]
    const captions: Array<readonly [string, string]> = [[captionOf(track), captionColor]]
    for (const inner of track.scopeCancellations) {
      captions.push([
        `at ${formatSeconds(inner.at)} s work inside it was cancelled: ${describeReason(inner.reason)}`,
        COLORS.inside
      ])
    }
    captions.forEach(([text, color], line) => {
      out.push(
        `<text class="caption" x="${left}" y="${num(barY + barH + 14 + 13 * line)}" font-size="11" fill="${color}">${escapeXml(
          truncate(text, maxChars)
        )}<title>${escapeXml(text)}</title></text>`
      )
    })
    out.push("</g>")
  })

  // Legend.
  const items: ReadonlyArray<readonly [string, string]> = [
    [`<line x1="0" y1="-7" x2="0" y2="7" stroke="${COLORS.text}" stroke-width="2"/>`, "start"],
    [`<rect x="-6" y="-7" width="12" height="14" fill="${COLORS.running}"/>`, "running"],
    [`<rect x="-6" y="-5" width="12" height="10" fill="${COLORS.waiting}"/>`, "waiting"],
    [
      `<rect x="-6" y="-5" width="12" height="10" fill="none" stroke="${COLORS.pending}" stroke-dasharray="3 2"/>`,
      "not started"
    ],
    [`<path d="M-5 -5 L5 5 M-5 5 L5 -5" stroke="${COLORS.cancel}" stroke-width="2.5"/>`, "cancel requested"],
    [`<rect x="-6" y="-5" width="12" height="10" fill="${COLORS.cleanup}"/>`, "cleaning up"],
    [`<path d="M0 -6 L6 0 L0 6 L-6 0 Z" fill="${COLORS.inside}"/>`, "work inside cancelled (timeout, group)"],
    [`<circle cx="0" cy="0" r="5" fill="${COLORS.Returned}"/>`, "returned"],
    [`<path d="M-5 -5 L5 5 M-5 5 L5 -5" stroke="${COLORS.Failed}" stroke-width="3.5"/>`, "failed"],
    [
      `<circle cx="0" cy="0" r="5.5" fill="#ffffff" stroke="${COLORS.Cancelled}" stroke-width="2"/><line x1="-4" y1="4" x2="4" y2="-4" stroke="${COLORS.Cancelled}" stroke-width="2"/>`,
      "cancelled"
    ]
  ]
  out.push(`<g class="legend" transform="translate(12 ${legendTop})">`)
  let lx = 8
  let ly = 8
  for (const [symbol, text] of items) {
    const w = 22 + text.length * CHAR + 18
    if (lx + w > width - 24) {
      lx = 8
      ly += 22
    }
    out.push(
      `<g transform="translate(${num(lx)} ${ly})">${symbol}<text x="12" y="4" fill="${COLORS.text}">${escapeXml(text)}</text></g>`
    )
    lx += w
  }
  out.push("</g>")
  if (dropped !== undefined) {
    out.push(
      `<text class="dropped" x="12" y="${legendTop + 60}" fill="${COLORS.Failed}">${escapeXml(dropped)}</text>`
    )
  }
  out.push("</svg>")
  return `${out.join("\n")}\n`
}
