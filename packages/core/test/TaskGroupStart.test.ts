/**
 * `tg.start()`: the TGS cases, derived from Trio's `test_nursery_start` / `test_nursery_start_keeps_nursery_open`
 * (`src/trio/_core/_tests/test_run.py`) and AnyIO's `test_start_*` tests (`tests/test_taskgroups.py`); see
 * docs/conformance.md for the upstream test of each.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Testing from "@effect-asyncio/core/Testing"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

class KeyErr extends Data.TaggedError("KeyError")<{ readonly message: string }> {}

type Status<T> = asyncio.TaskGroup.TaskStatus<T>

const virtual = <A, E>(body: Effect.Effect<A, E>) =>
  Effect.flatMap(Testing.runVirtual(body), ({ exit, elapsed }) =>
    Effect.map(exit, (value) => ({ value, elapsed }))
  )

/** Trio's `sleep_then_start`: sleeps `s`, reports ready with `s`, sleeps `s` again. */
const sleepThenStart = (s: number) => (status: Status<number>) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(s)
    yield* status.started(s)
    yield* asyncio.sleep(s)
  })

describe("tg.start — TGS cases (Trio, AnyIO)", () => {
  it.effect("TGS-01 start waits for started(), returns its value; the group then waits for the task", () =>
    Effect.gen(function* () {
      for (const s of [1, 2]) {
        const log: Array<string> = []
        const { value, elapsed } = yield* virtual(
          asyncio.TaskGroup.run((tg) =>
            Effect.gen(function* () {
              const t0 = yield* asyncio.Timeout.time
              const started = yield* tg.start(sleepThenStart(s))
              log.push(`started ${started} at ${(yield* asyncio.Timeout.time) - t0}`)
              return started
            })
          )
        )
        assert.strictEqual(value, s)
        assert.deepStrictEqual(log, [`started ${s} at ${s}`])
        assert.strictEqual(elapsed, 2 * s)
      }
    })
  )

  it.effect("TGS-02 started() twice is a defect carrying RuntimeError; the task fails in the group", () =>
    Effect.gen(function* () {
      const r = yield* Testing.runVirtual(
        asyncio.TaskGroup.run((tg) =>
          tg.start((status: Status<undefined>) => Effect.andThen(status.started(), status.started()))
        )
      )
      const group = Testing.failureOf(r.exit) as asyncio.ExceptionGroup<unknown>
      assert.instanceOf(group, asyncio.ExceptionGroup)
      const defect = group.members[0].error as asyncio.Defect
      assert.instanceOf(defect.defect, asyncio.RuntimeError)
      assert.include((defect.defect as asyncio.RuntimeError).message, "started() was called twice")
    })
  )

  it.effect(
    "TGS-03 a task that fails before started(): start fails with its error; the group is not affected",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          asyncio.TaskGroup.run((tg) =>
            Effect.gen(function* () {
              const exit = yield* Effect.exit(tg.start(() => new KeyErr({ message: "oops" })))
              return Testing.failureOf(exit)
            })
          )
        )
        assert.instanceOf(value, KeyErr)
      })
  )

  it.effect(
    "TGS-04 a task that returns without started(): start dies with RuntimeError 'exited without calling started()'",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          asyncio.TaskGroup.run((tg) => Effect.exit(tg.start(() => Effect.void, { name: "quiet" })))
        )
        const defect = Testing.defectOf(value!)
        assert.instanceOf(defect, asyncio.RuntimeError)
        assert.strictEqual(
          (defect as asyncio.RuntimeError).message,
          "TaskGroup.start: quiet exited without calling started()"
        )
      })
  )

  it.effect(
    "TGS-05 the caller of start is cancelled before started(): the task is cancelled too and never joins the group",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          asyncio.TaskGroup.run((tg) =>
            Effect.gen(function* () {
              const starter = yield* asyncio.createTask(
                tg.start((status: Status<undefined>) =>
                  Effect.gen(function* () {
                    log.push("task started running")
                    yield* asyncio.sleep(2)
                    log.push("not reached")
                    yield* status.started()
                  }).pipe(Effect.onInterrupt(() => Effect.sync(() => log.push("task cancelled"))))
                )
              )
              yield* asyncio.sleep(1)
              yield* starter.cancel("give up")
              const exit = yield* Effect.exit(starter)
              return Testing.isCancelled(exit)
            })
          )
        )
        assert.isTrue(value)
        assert.deepStrictEqual(log, ["task started running", "task cancelled"])
      })
  )

  it.effect(
    "TGS-06 starting in a finished or cancelling group is a defect carrying RuntimeError, at once",
    () =>
      Effect.gen(function* () {
        let kept: asyncio.TaskGroup.TaskGroup | undefined
        yield* virtual(
          asyncio.TaskGroup.run(
            (tg) =>
              Effect.sync(() => {
                kept = tg
              }),
            { name: "closed" }
          )
        )
        const r = yield* Testing.runVirtual(kept!.start(sleepThenStart(7)))
        const defect = Testing.defectOf(r.exit)
        assert.instanceOf(defect, asyncio.RuntimeError)
        assert.strictEqual(
          (defect as asyncio.RuntimeError).message,
          "TaskGroup.start: TaskGroup closed is finished"
        )
        assert.strictEqual(r.elapsed, 0)
        // A group that is cancelling refuses start() as it refuses createTask (asyncio's "is shutting down").
        let ran = false
        const cancelling = yield* virtual(
          asyncio.TaskGroup.run(
            (tg) =>
              Effect.andThen(
                tg.cancel(),
                Effect.exit(
                  tg.start((status: Status<undefined>) =>
                    Effect.andThen(
                      Effect.sync(() => (ran = true)),
                      status.started()
                    )
                  )
                )
              ),
            { name: "stopping" }
          )
        )
        const refused = Testing.defectOf(cancelling.value!) as asyncio.RuntimeError
        assert.instanceOf(refused, asyncio.RuntimeError)
        assert.strictEqual(refused.message, "TaskGroup.start: TaskGroup stopping is shutting down")
        assert.isFalse(ran)
      })
  )

  it.effect(
    "TGS-07 a start in progress keeps the group open until the task is ready, then until it is done",
    () =>
      Effect.gen(function* () {
        const sleepABit = (status: Status<undefined>) =>
          Effect.gen(function* () {
            yield* asyncio.sleep(2)
            yield* status.started()
            yield* asyncio.sleep(3)
          })
        const { elapsed } = yield* virtual(
          asyncio.TaskGroup.run((outer) =>
            asyncio.TaskGroup.run((inner) =>
              Effect.gen(function* () {
                yield* outer.createTask(inner.start(sleepABit))
                yield* asyncio.sleep(1)
                yield* outer.createTask(inner.start(sleepABit))
                // The body of `inner` exits here; only the two starts keep it open.
              })
            )
          )
        )
        assert.strictEqual(elapsed, 6)
      })
  )

  it.effect(
    "TGS-08 a task that fails after started(): start returns its value; the group fails with its error",
    () =>
      Effect.gen(function* () {
        let value: number | undefined
        const r = yield* Testing.runVirtual(
          asyncio.TaskGroup.run((tg) =>
            Effect.gen(function* () {
              value = yield* tg.start((status: Status<number>) =>
                Effect.andThen(status.started(2), new KeyErr({ message: "foo" }))
              )
            })
          )
        )
        assert.strictEqual(value, 2)
        const group = Testing.failureOf(r.exit) as asyncio.ExceptionGroup<KeyErr>
        assert.strictEqual(group.members.length, 1)
        assert.strictEqual((group.members[0].error as KeyErr).message, "foo")
      })
  )

  it.effect(
    "TGS-09 started() with no value gives undefined; the task becomes a child listed by the group",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          asyncio.TaskGroup.run((tg) => tg.start((status: Status<undefined>) => status.started()))
        )
        assert.deepStrictEqual(value, undefined)
      })
  )

  it.effect(
    "TGS-10 the task running start is cancelled (AnyIO's host cancelled): the task ran but does not finish",
    () =>
      Effect.gen(function* () {
        let started = false
        let finished = false
        const taskfunc = (status: Status<undefined>) =>
          Effect.gen(function* () {
            started = true
            yield* asyncio.sleep(2)
            finished = true
            yield* status.started()
          })
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const host = yield* asyncio.createTask(asyncio.TaskGroup.run((tg) => tg.start(taskfunc)))
            yield* asyncio.sleep(1)
            yield* host.cancel()
            return Testing.isCancelled(yield* Effect.exit(host))
          })
        )
        assert.isTrue(value)
        assert.isTrue(started)
        assert.isFalse(finished)
      })
  )

  it.effect(
    "TGS-11 a task that becomes ready in a group that is cancelling is cancelled at once, with the group's reason",
    () =>
      Effect.gen(function* () {
        let reason: asyncio.CancelReason | undefined
        const r = yield* Testing.runVirtual(
          asyncio.TaskGroup.run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(Effect.andThen(asyncio.sleep(1), new KeyErr({ message: "boom" })), {
                name: "failing"
              })
              yield* tg.start((status: Status<undefined>) =>
                Effect.gen(function* () {
                  yield* asyncio.sleep(2).pipe(Effect.uninterruptible) // becomes ready after the group started cancelling
                  yield* status.started()
                  yield* asyncio.sleep(10)
                }).pipe(Effect.onExit((exit) => Effect.sync(() => (reason = Testing.cancelReasonOf(exit)))))
              )
            })
          )
        )
        assert.instanceOf(Testing.failureOf(r.exit), asyncio.ExceptionGroup)
        assert.strictEqual(reason?.kind, "sibling")
        assert.strictEqual(r.elapsed, 2)
      })
  )

  it.effect("TGS-12 bad input: fn not a function, a misspelt option", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        asyncio.TaskGroup.run((tg) =>
          Effect.all([
            Effect.exit(tg.start(42 as unknown as (s: Status<undefined>) => Effect.Effect<void>)),
            Effect.exit(tg.start((s: Status<undefined>) => s.started(), { nmae: "x" } as { name?: string }))
          ])
        )
      )
      const [notFn, badOption] = value!.map((exit) => Testing.defectOf(exit) as asyncio.TypeError)
      assert.strictEqual(notFn.message, "TaskGroup.start: fn must be a function, got 42")
      assert.include(badOption.message, '"nmae"')
      assert.isTrue(value!.every(Exit.isFailure))
    })
  )
})
