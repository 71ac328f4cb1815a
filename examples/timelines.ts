/**
 * `npm run docs:timelines`: regenerates `docs/timelines/*.svg`, the timelines that `docs/cancellation.md` shows
 * next to its scenarios. Each is recorded from an example (`Timeline.record`) on virtual time, so a picture is
 * exactly what the example does and is identical on every run; the examples' test runs this script with
 * `--check`, which compares instead of writing and fails if a picture is out of date.
 *
 * Each scenario is recorded in a fresh Node process: task numbers (`#2`) and scope names (`loop-1`) come from
 * process-wide counters, so each picture numbers its tasks as a real run of the example does.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as asyncio from "@effect-asyncio/core"
import { runVirtual } from "@effect-asyncio/core/Testing"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { examples } from "./src/index.ts"
import { MAIN_TASK } from "./src/shared/example.ts"

/** The scenarios of docs/cancellation.md and the examples that act them out. */
export const scenarios: ReadonlyArray<{ readonly example: string; readonly shows: string }> = [
  { example: "21-cancel-task", shows: "§1 a cancellation is a request; the clean-up runs and is awaited" },
  { example: "22-cancel-forwarding", shows: "§4 and §6: through `await` and through a TaskGroup" },
  { example: "17-gather-errors", shows: "§5 gather: a failure does not cancel the siblings" },
  { example: "18-taskgroup-errors", shows: "§6 a TaskGroup cancels the siblings of a failed task" },
  { example: "19-request-timeout", shows: "§7 timeouts: the deadline cancels the work inside the task" },
  { example: "20-shutdown-background", shows: "§9 the loop scope cancels leftover tasks at shutdown" }
]

const outputDir = new URL("../docs/timelines/", import.meta.url)

const silent: Console.Console = { ...globalThis.console, log: () => {}, info: () => {} }

/** Records one example on virtual time and renders its SVG. */
const render = (id: string, shows: string): Effect.Effect<string, Error> =>
  Effect.gen(function* () {
    const example = examples.find(({ meta }) => meta.id === id)
    if (example === undefined) return yield* Effect.fail(new Error(`no example ${id}`))
    const { exit } = yield* runVirtual(
      Timeline.record(asyncio.Loop.scoped(example.main, { mainName: MAIN_TASK })).pipe(
        Effect.provideService(Console.Console, silent)
      ),
      { limit: 600 }
    )
    if (exit._tag === "Failure") return yield* Effect.fail(new Error(`${id} did not finish`))
    const [inner, timeline] = exit.value
    if (inner._tag === "Failure") return yield* Effect.fail(new Error(`${id} failed`))
    return Timeline.toSvg(timeline, { title: `examples/src/${id}.ts on virtual time — ${shows}` })
  })

/** Renders one scenario in a fresh process, so its task numbers and scope names start at 1 as in a real run. */
const renderInChild = (example: string): string => {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--render", example], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  if (child.status !== 0) throw new Error(`rendering ${example} failed:\n${child.stderr}`)
  return child.stdout
}

const main = async (): Promise<void> => {
  const only = process.argv.indexOf("--render")
  if (only >= 0) {
    const example = process.argv[only + 1]
    const scenario = scenarios.find((s) => s.example === example)
    if (scenario === undefined) throw new Error(`no scenario ${example}`)
    process.stdout.write(await Effect.runPromise(render(scenario.example, scenario.shows)))
    return
  }
  const check = process.argv.includes("--check")
  if (!check) mkdirSync(outputDir, { recursive: true })
  const stale: Array<string> = []
  for (const { example } of scenarios) {
    const svg = renderInChild(example)
    const file = new URL(`${example}.svg`, outputDir)
    const path = fileURLToPath(file)
    if (check) {
      if (!existsSync(file) || readFileSync(file, "utf8") !== svg) stale.push(path)
    } else {
      writeFileSync(file, svg)
      console.log(`wrote ${path}`)
    }
  }
  if (stale.length > 0) {
    console.error(`out of date (run npm run docs:timelines):\n${stale.map((p) => `  ${p}`).join("\n")}`)
    process.exitCode = 1
  } else if (check) {
    console.log(`${scenarios.length} timelines up to date`)
  }
}

if (import.meta.main) await main()
