/**
 * gather of N trivial tasks with observability off, against the same build with no hooks at all: what the
 * lifecycle hooks (timelines, `ps`, debug mode, tracing) cost when nothing is recording. Target: within 1.03×.
 *
 * - ours: `asyncio.gather(...effects)` of N `Effect.succeed(i)`, in a worker that has loaded `Timeline`, `Inspect`,
 *   `Tracing` and `Debug`, and has recorded a timeline once (then stopped), so every module and every hook site has
 *   run at least once and recording is **off**;
 * - effect (the baseline column, labelled "effect" by the harness): the same gather, inside the same kind of loop
 *   scope, on a copy of `packages/core/src` in which every hook check (`hooks.observers.length !== 0`) is replaced by
 *   `false` — the library as if the hooks had never been written. The copy is generated under `bench/results/`
 *   (ignored by git) when this module loads, as `.mts` files, which the bench's type-check (`.ts` only) skips;
 * - promise: `Promise.all` of N async calls, as in `gather`.
 *
 * The "× effect" column of this workload therefore reads "× the build without hooks".
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync
} from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as asyncio from "@effect-asyncio/core"
import * as Debug from "@effect-asyncio/core/Debug"
import * as Inspect from "@effect-asyncio/core/Inspect"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Tracing from "@effect-asyncio/core/Tracing"
import * as Effect from "effect/Effect"
import type { Workload } from "../lib/types.ts"
import { effectsOf, sum } from "./common.ts"

const source = fileURLToPath(new URL("../../packages/core/src/", import.meta.url))
const target = fileURLToPath(new URL("../results/core-without-hooks/", import.meta.url))

/**
 * Copies the core sources with every hook check compiled out (writing only the files that changed, so workers that
 * load this module concurrently never see a half-written copy of a file they import); returns how many checks were
 * replaced.
 */
const generate = (): number => {
  let replaced = 0
  const copy = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true })
    for (const entry of readdirSync(from)) {
      const path = join(from, entry)
      if (statSync(path).isDirectory()) {
        copy(path, join(to, entry))
        continue
      }
      // `.mts`, with relative imports rewritten to match: bench/tsconfig.json checks `.ts` files only.
      const text = readFileSync(path, "utf8")
        .replace(/(from\s+"\.{1,2}\/[^"]*?)\.ts"/g, '$1.mts"')
        .replaceAll("hooks.observers.length !== 0", () => {
          replaced++
          return "false"
        })
        .replaceAll("hooks.observers.length === 0", () => {
          replaced++
          return "true"
        })
      const out = join(to, entry.replace(/\.ts$/, ".mts"))
      if (existsSync(out) && readFileSync(out, "utf8") === text) continue
      const staging = `${out}.${process.pid}.tmp`
      writeFileSync(staging, text)
      renameSync(staging, out)
    }
  }
  copy(source, target)
  return replaced
}

const replaced = generate()
if (replaced < 10) throw new Error(`gather-recording-off: only ${replaced} hook checks found in ${source}`)

type Core = typeof asyncio
const withoutHooks: Core = await import(new URL("index.mts", `file://${target}`).href)

// Load the observability modules and let one recording run, so that "off" is "off again", not "never loaded".
Effect.runSync(Timeline.record(asyncio.gather(Effect.succeed(1))))
if (
  Inspect.isTracking() ||
  typeof Debug.debug !== "function" ||
  typeof Tracing.withTaskSpans !== "function"
) {
  throw new Error("gather-recording-off: observability should be off")
}

const ret = async (i: number): Promise<number> => i

export const gatherRecordingOff: Workload = {
  name: "gather-recording-off",
  title: 'gather of N trivial tasks, recording off ("effect" = the same on core with the hooks compiled out)',
  impls: {
    ours: (n) => {
      const effects = effectsOf(n, (i) => Effect.succeed(i))
      return Effect.map(asyncio.gather(...effects), sum)
    },
    effect: (n) => {
      const effects = effectsOf(n, (i) => Effect.succeed(i))
      return withoutHooks.Loop.scoped(Effect.map(withoutHooks.gather(...effects), sum))
    },
    promise: (n) => async () => {
      const promises = new Array<Promise<number>>(n)
      for (let i = 0; i < n; i++) promises[i] = ret(i)
      return sum(await Promise.all(promises))
    }
  },
  oursVariants: ["loop-scope"],
  budget: 1.03
}
