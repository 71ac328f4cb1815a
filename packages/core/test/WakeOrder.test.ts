/**
 * When what waits for a task resumes (docs/semantics.md T1): asyncio schedules a future's done callbacks with
 * `call_soon`, so an awaiter resumes a loop iteration after the task ends — two for the combinators whose done
 * callback sets a future of their own (`gather`, `wait`, `shield`, `as_completed`, a task group's exit). A ticker
 * task that logs one line per turn shows the count. Every expected order below is what the same program prints on
 * CPython 3.11 (checked; the Python versions are in the comments), with `asyncio.sleep(0)` for a turn.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { settle } from "./utils/virtual.ts"

class ValueErr extends Data.TaggedError("ValueError")<{ readonly label: string }> {}

/**
 * Runs `body` with a log, a ticker (`for i in range(4): log.append(f"tick {i}"); await asyncio.sleep(0)`) and a job
 * (`log.append(f"{label} ends"); return label`), then lets everything settle and returns the log.
 */
const scenario = (
  body: (tools: {
    readonly log: (line: string) => Effect.Effect<void>
    readonly ticker: Effect.Effect<unknown>
    readonly job: (label: string, fail?: boolean) => Effect.Effect<string, ValueErr>
  }) => Effect.Effect<unknown, unknown>
): Effect.Effect<Array<string>, unknown> =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const log = (line: string) =>
      Effect.sync(() => {
        lines.push(line)
      })
    const ticker = Effect.forEach([0, 1, 2, 3], (i) => Effect.andThen(log(`tick ${i}`), asyncio.sleep(0)), {
      discard: true
    })
    const job = (label: string, fail = false) =>
      Effect.andThen(
        log(`${label} ends`),
        fail ? Effect.fail(new ValueErr({ label })) : Effect.succeed(label)
      )
    yield* body({ log, ticker, job })
    yield* settle
    return lines
  })

const ticks = (...lines: ReadonlyArray<string>) => lines

/**
 * The common program: `t = create_task(job("t"))`; if `tDoneFirst`, `await asyncio.sleep(0)` (t ends before the
 * ticker starts); `create_task(ticker())`; `await how(t)`; `log.append("resumed")`.
 */
const awaitedThrough = (
  how: (t: asyncio.Task<string, ValueErr>) => Effect.Effect<unknown, unknown>,
  tDoneFirst = false
): Effect.Effect<Array<string>, unknown> =>
  scenario(({ log, ticker, job }) =>
    Effect.gen(function* () {
      const t = yield* asyncio.createTask(job("t"))
      if (tDoneFirst) yield* asyncio.sleep(0)
      yield* asyncio.createTask(ticker)
      yield* how(t)
      yield* log("resumed")
    })
  )

describe("a waiter resumes as many turns after a task's end as in asyncio", () => {
  it.effect("await of a pending task: one turn (the task's done callback wakes the awaiter)", () =>
    Effect.gen(function* () {
      // t = create_task(job("t")); create_task(ticker()); await t; log.append("resumed")
      const log = yield* awaitedThrough((t) => t)
      assert.deepStrictEqual(log, ticks("t ends", "tick 0", "resumed", "tick 1", "tick 2", "tick 3"))
    })
  )

  it.effect(
    "a cancelled awaiter: the awaited task's end reaches it a turn later, also when cancel() ended it",
    () =>
      Effect.gen(function* () {
        // a = create_task(t1()), where t1 awaits t2 = create_task(ev.wait()); two sleep(0)s; create_task(ticker());
        // a.cancel(). CPython 3.11: tick 0, t2 cancelled, tick 1, t1 cancelled, tick 2 — t2's cancellation lands at
        // its next step there and at once here (row C4); t1 hears of t2's end a turn later in both.
        const log = yield* scenario(({ log, ticker }) =>
          Effect.gen(function* () {
            const event = yield* asyncio.Event.make()
            const t2 = Effect.onInterrupt(event.wait(), () => log("t2 cancelled"))
            const t1 = Effect.gen(function* () {
              const t = yield* asyncio.createTask(t2)
              yield* t
            }).pipe(Effect.onInterrupt(() => log("t1 cancelled")))
            const a = yield* asyncio.createTask(t1)
            yield* asyncio.sleep(0)
            yield* asyncio.sleep(0)
            yield* asyncio.createTask(ticker)
            yield* a.cancel()
          })
        )
        assert.deepStrictEqual(
          log,
          ticks("t2 cancelled", "tick 0", "t1 cancelled", "tick 1", "tick 2", "tick 3")
        )
      })
  )

  it.effect(
    "wait with a timeout of 0: two turns (the timer fires a turn after the call, then wakes the caller)",
    () =>
      Effect.gen(function* () {
        // t = create_task(job("t")); create_task(ticker()); done, _ = await wait([t], timeout=0)
        // CPython 3.11: t ends, tick 0, tick 1, resumed done=1, tick 2, tick 3
        const log = yield* scenario(({ log, ticker, job }) =>
          Effect.gen(function* () {
            const t = yield* asyncio.createTask(job("t"))
            yield* asyncio.createTask(ticker)
            const { done } = yield* asyncio.wait([t], { timeout: 0 })
            yield* log(`resumed done=${done.size}`)
          })
        )
        assert.deepStrictEqual(log, ticks("t ends", "tick 0", "tick 1", "resumed done=1", "tick 2", "tick 3"))
      })
  )

  it.effect("a cancelled gather releases its awaiter two turns after its children have finished", () =>
    Effect.gen(function* () {
      // w = create_task(waiter()), waiter: await gather(child()), child: await ev.wait(); two sleep(0)s;
      // create_task(ticker()); w.cancel(). CPython 3.11: tick 0, c cancelled, tick 1, tick 2, gather's awaiter
      // cancelled, tick 3 — the child's cancellation lands a turn later there and at once here (row C4); the
      // awaiter hears of it two turns after the child ended in both (`_done_callback`, then the outer future).
      const log = yield* scenario(({ log, ticker }) =>
        Effect.gen(function* () {
          const event = yield* asyncio.Event.make()
          const child = Effect.onInterrupt(event.wait(), () => log("c cancelled"))
          const waiter = asyncio
            .gather(child)
            .pipe(Effect.onInterrupt(() => log("gather's awaiter cancelled")))
          const w = yield* asyncio.createTask(waiter)
          yield* asyncio.sleep(0)
          yield* asyncio.sleep(0)
          yield* asyncio.createTask(ticker)
          yield* w.cancel()
        })
      )
      assert.deepStrictEqual(
        log,
        ticks("c cancelled", "tick 0", "tick 1", "gather's awaiter cancelled", "tick 2", "tick 3")
      )
    })
  )

  it.effect("await of a task already done: no suspension", () =>
    Effect.gen(function* () {
      // t = create_task(job("t")); await sleep(0); create_task(ticker()); await t; log.append("resumed")
      const log = yield* awaitedThrough((t) => t, true)
      assert.deepStrictEqual(log, ticks("t ends", "resumed", "tick 0", "tick 1", "tick 2", "tick 3"))
    })
  )

  it.effect("gather: two turns, also over a task already done and when a child fails", () =>
    Effect.gen(function* () {
      // await gather(t)
      const pending = yield* awaitedThrough((t) => asyncio.gather(t))
      // t done (await sleep(0)) before create_task(ticker()); await gather(t)
      const done = yield* awaitedThrough((t) => asyncio.gather(t), true)
      // t raises ValueError, u = create_task(sleep(1)); try: await gather(t, u) except ValueError: "resumed"
      const failFast = yield* scenario(({ log, ticker, job }) =>
        Effect.gen(function* () {
          const t = yield* asyncio.createTask(job("t", true))
          const u = yield* asyncio.createTask(asyncio.sleep(1))
          yield* asyncio.createTask(ticker)
          yield* Effect.catchTag(asyncio.gather(t, u), "ValueError", () => log("resumed"))
          yield* u.cancel()
        })
      )
      const expected = ticks("t ends", "tick 0", "tick 1", "resumed", "tick 2", "tick 3")
      assert.deepStrictEqual(pending, expected)
      assert.deepStrictEqual(done, expected)
      assert.deepStrictEqual(failFast, expected)
    })
  )

  it.effect("wait: two turns; FIRST_COMPLETED over a task already done still goes through call_soon", () =>
    Effect.gen(function* () {
      // await wait([t])
      const all = yield* awaitedThrough((t) => asyncio.wait([t]))
      // t done, u = create_task(sleep(1)); create_task(ticker()); wait([t, u], return_when=FIRST_COMPLETED)
      // (the differential harness's seed 5920)
      const first = yield* scenario(({ log, ticker, job }) =>
        Effect.gen(function* () {
          const t = yield* asyncio.createTask(job("t"))
          const u = yield* asyncio.createTask(asyncio.sleep(1))
          yield* asyncio.sleep(0)
          yield* asyncio.createTask(ticker)
          const { done, pending } = yield* asyncio.wait([t, u], { returnWhen: asyncio.FIRST_COMPLETED })
          yield* log(`resumed ${done.size} ${pending.size}`)
          yield* u.cancel()
        })
      )
      assert.deepStrictEqual(all, ticks("t ends", "tick 0", "tick 1", "resumed", "tick 2", "tick 3"))
      assert.deepStrictEqual(first, ticks("t ends", "tick 0", "tick 1", "resumed 1 1", "tick 2", "tick 3"))
    })
  )

  it.effect("shield: two turns over a pending task, none over a task already done", () =>
    Effect.gen(function* () {
      // await shield(t)
      const pending = yield* awaitedThrough((t) => asyncio.shield(t))
      // t done before create_task(ticker()); await shield(t): shield returns the done task itself
      const done = yield* awaitedThrough((t) => asyncio.shield(t), true)
      assert.deepStrictEqual(pending, ticks("t ends", "tick 0", "tick 1", "resumed", "tick 2", "tick 3"))
      assert.deepStrictEqual(done, ticks("t ends", "resumed", "tick 0", "tick 1", "tick 2", "tick 3"))
    })
  )

  it.effect("asCompleted: two turns (`_on_completion`, then the queue wakes the caller)", () =>
    Effect.gen(function* () {
      // for f in as_completed([t]): await f
      const log = yield* scenario(({ log, ticker, job }) =>
        Effect.gen(function* () {
          const t = yield* asyncio.createTask(job("t"))
          yield* asyncio.createTask(ticker)
          for (const next of yield* asyncio.asCompleted([t])) yield* next
          yield* log("resumed")
        })
      )
      assert.deepStrictEqual(log, ticks("t ends", "tick 0", "tick 1", "resumed", "tick 2", "tick 3"))
    })
  )

  it.effect(
    "TaskGroup exit: two turns after the last child (`_on_task_done`, then `_on_completed_fut`)",
    () =>
      Effect.gen(function* () {
        // create_task(ticker()); async with TaskGroup() as tg: tg.create_task(job("t"))
        const log = yield* scenario(({ log, ticker, job }) =>
          Effect.gen(function* () {
            yield* asyncio.createTask(ticker)
            yield* asyncio.TaskGroup.run((tg) => tg.createTask(job("t")))
            yield* log("resumed")
          })
        )
        assert.deepStrictEqual(log, ticks("tick 0", "t ends", "tick 1", "tick 2", "resumed", "tick 3"))
      })
  )

  it.effect("waitFor of a task: one turn (3.12's wait_for awaits it inside a timeout scope)", () =>
    Effect.gen(function* () {
      // async with asyncio.timeout(5): await t   (the body of wait_for since 3.12)
      const log = yield* awaitedThrough((t) => asyncio.waitFor(t, 5))
      assert.deepStrictEqual(log, ticks("t ends", "tick 0", "resumed", "tick 1", "tick 2", "tick 3"))
    })
  )
})
