/**
 * gather of N trivial tasks with observability off after it was on, against the same gather where nothing was ever
 * observed: what the lifecycle hooks (timelines, `ps`, debug mode, tracing) cost once recording has stopped.
 * Target: within 1.03×.
 *
 * Every hook site of the core asks one predicate, `hooks.active()` (an observer is installed), before doing
 * anything; this workload switches it for real, by installing observers and removing them again, rather than by
 * editing the library's source.
 *
 * - ours: `asyncio.gather(...effects)` of N `Effect.succeed(i)`, in a worker that has recorded a timeline and run a
 *   debug session (with `Inspect` tracking and task spans) once, in its first untimed warm-up, and stopped: every hook site has
 *   run with observers installed, and `hooks.active()` is false again;
 * - effect (the baseline column, labelled "effect" by the harness): the same gather, inside the same kind of loop
 *   scope, in a worker where no observer was ever installed (`hooks.active()` has never been true);
 * - promise: `Promise.all` of N async calls, as in `gather`.
 *
 * The "× effect" column of this workload therefore reads "× never recorded". Each cell runs in a fresh worker, so
 * the two columns do not share JIT feedback.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Debug from "@effect-asyncio/core/Debug"
import * as Inspect from "@effect-asyncio/core/Inspect"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Tracing from "@effect-asyncio/core/Tracing"
import * as Effect from "effect/Effect"
import type { Workload } from "../lib/types.ts"
import { effectsOf, sum } from "./common.ts"

let recorded = false

/**
 * Records once with every observer (timeline, debug mode, `ps` tracking, task spans), then stops them all: run at the
 * start of the cell's first (untimed) warm-up repetition; a no-op after that.
 */
const recordOnce: Effect.Effect<void> = Effect.suspend(() => {
  if (recorded) return Effect.void
  recorded = true
  const work = asyncio.gather(
    Effect.succeed(1),
    asyncio.sleep(0, 2),
    Effect.flatMap(asyncio.createTask(Effect.succeed(3)), (task) => task)
  )
  return Effect.gen(function* () {
    yield* Timeline.record(Tracing.withTaskSpans(asyncio.Loop.scoped(work)))
    yield* Debug.debug(asyncio.Loop.scoped(Inspect.track(work)), { onWarning: () => {} })
    if (Inspect.isTracking()) throw new Error("gather-recording-off: observability should be off again")
  })
})

const ret = async (i: number): Promise<number> => i

export const gatherRecordingOff: Workload = {
  name: "gather-recording-off",
  title: 'gather of N trivial tasks, recording off after a recording ("effect" = the same, never recorded)',
  impls: {
    ours: (n) => {
      const effects = effectsOf(n, (i) => Effect.succeed(i))
      return Effect.andThen(recordOnce, Effect.map(asyncio.gather(...effects), sum))
    },
    effect: (n) => {
      const effects = effectsOf(n, (i) => Effect.succeed(i))
      return asyncio.Loop.scoped(Effect.map(asyncio.gather(...effects), sum))
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
