import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as AsyncioStream from "@effect-asyncio/core/Stream"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { defectTag, failureOf, misuse } from "./utils/exits.ts"
import { primeTestClock } from "./utils/testClock.ts"
import { now, runVirtual, settle } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly label: string }> {}

/** `runVirtual` after priming the TestClock (see utils/testClock.ts). */
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.andThen(primeTestClock, runVirtual(effect))

/** Virtual seconds since `t0`, rounded to the microsecond. */
const since = (t0: number) => Effect.map(now, (t) => Math.round((t - t0) * 1e6) / 1e6)

/** Plain iteration: run every yielded effect in turn, recording value and time. */
const consumePlain = <A, E>(it: asyncio.AsCompleted<A, E>) =>
  Effect.gen(function* () {
    const t0 = yield* now
    const out: Array<{ readonly value: A; readonly at: number }> = []
    for (const next of it) {
      const value = yield* next
      out.push({ value, at: yield* since(t0) })
    }
    return out
  })

/** Task iteration through the stream: each yielded task's value and the time it was handed out. */
const consumeStream = <A, E>(it: asyncio.AsCompleted<A, E>) =>
  Effect.gen(function* () {
    const t0 = yield* now
    const out: Array<{ readonly value: A; readonly at: number }> = []
    yield* Stream.runForEach(AsyncioStream.fromAsCompleted(it), (task) =>
      Effect.gen(function* () {
        assert.isTrue(yield* task.done(), "a task handed out by the stream is done")
        out.push({ value: yield* task, at: yield* since(t0) })
      })
    )
    return out
  })

type Mode = "plain" | "stream"
const modes: ReadonlyArray<Mode> = ["plain", "stream"]
const consume = <A, E>(mode: Mode, it: asyncio.AsCompleted<A, E>) =>
  mode === "plain" ? consumePlain(it) : consumeStream(it)

describe("asCompleted", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("AC-01 results arrive in completion order, in both iteration forms", () =>
    Effect.gen(function* () {
      for (const mode of modes) {
        const program = Effect.gen(function* () {
          const a = asyncio.sleep(0.01, "a")
          const b = asyncio.sleep(0.01, "b")
          const c = asyncio.sleep(0.15, "c")
          return yield* consume(mode, yield* asyncio.asCompleted([b, c, a]))
        })
        const { exit, elapsed } = yield* run(program)
        const out = yield* exit
        assert.strictEqual(elapsed, 0.15, mode)
        assert.sameMembers(
          out.slice(0, 2).map((r) => r.value),
          ["a", "b"],
          mode
        )
        assert.deepStrictEqual(
          out.map((r) => r.at),
          [0.01, 0.01, 0.15],
          mode
        )
        assert.strictEqual(out[2].value, "c", mode)
      }
    })
  )

  it.effect("AC-02 task iteration hands back the original tasks, and new tasks for plain effects", () =>
    Effect.gen(function* () {
      const effects = [
        asyncio.sleep(0.01, 1),
        asyncio.sleep(0.02, 2),
        asyncio.sleep(0.03, 3),
        asyncio.sleep(0.04, 4)
      ]
      const fromEffects = yield* run(
        Effect.gen(function* () {
          return yield* Stream.runCollect(AsyncioStream.fromAsCompleted(yield* asyncio.asCompleted(effects)))
        })
      )
      const tasks = yield* fromEffects.exit
      assert.strictEqual(tasks.length, 4)
      for (const task of tasks) {
        assert.isTrue(asyncio.isTask(task))
        assert.notInclude(
          effects as ReadonlyArray<unknown>,
          task,
          "a yielded item is a task, not an input effect"
        )
      }

      const program = Effect.gen(function* () {
        const a = asyncio.sleep(0.01, "a")
        const b = yield* asyncio.createTask(asyncio.sleep(0.02, "b"))
        const c = asyncio.sleep(0.03, "c")
        const d = yield* asyncio.createTask(asyncio.sleep(0.04, "d"))
        const out = yield* Stream.runCollect(
          AsyncioStream.fromAsCompleted(yield* asyncio.asCompleted([a, b, c, d]))
        )
        return { out, a, b, c, d }
      })
      const r = yield* (yield* run(program)).exit
      assert.strictEqual(r.out.length, 4)
      assert.strictEqual(r.out[1], r.b, "task b itself")
      assert.strictEqual(r.out[3], r.d, "task d itself")
      assert.notStrictEqual<unknown>(r.out[0], r.a)
      assert.notStrictEqual<unknown>(r.out[2], r.c)
      assert.deepStrictEqual(yield* Effect.all(r.out), ["a", "b", "c", "d"])
    })
  )

  it.effect("AC-04 an unused timeout changes nothing and leaves nothing behind", () =>
    Effect.gen(function* () {
      for (const mode of modes) {
        const main = Effect.gen(function* () {
          const out = yield* consume(
            mode,
            yield* asyncio.asCompleted([asyncio.sleep(0.01, "a")], { timeout: 1 })
          )
          const left = yield* asyncio.allTasks
          return { out, left: Array.from(left), me: yield* asyncio.currentTask }
        })
        const { exit, elapsed } = yield* run(asyncio.Loop.scoped(main))
        const r = yield* exit
        assert.deepStrictEqual(
          r.out.map((x) => x.value),
          ["a"],
          mode
        )
        assert.strictEqual(elapsed, 0.01, `${mode}: nothing waits for the unused deadline`)
        assert.deepStrictEqual(r.left, [r.me], `${mode}: only the main task is left`)
      }
    })
  )

  it.effect("AC-05 an iterator left early can be resumed, in both forms", () =>
    Effect.gen(function* () {
      const inputs = () => [0, 1, 2, 3].map((i) => Effect.succeed(i))

      const plain = yield* asyncio.asCompleted(inputs())
      const first: Array<number> = []
      for (const next of plain) {
        first.push(yield* next)
        if (first.length === 2) break
      }
      const rest: Array<number> = []
      for (const next of plain) rest.push(yield* next)
      assert.strictEqual(first.length, 2)
      assert.sameMembers([...first, ...rest], [0, 1, 2, 3])

      const tasks = yield* asyncio.asCompleted(inputs())
      const head = yield* Stream.runCollect(Stream.take(AsyncioStream.fromAsCompleted(tasks), 2))
      const tail = yield* Stream.runCollect(AsyncioStream.fromAsCompleted(tasks))
      assert.strictEqual(head.length, 2)
      assert.sameMembers(yield* Effect.all([...head, ...tail]), [0, 1, 2, 3])

      const byHand = yield* asyncio.asCompleted(inputs())
      const one = yield* byHand.nextTask
      const two = yield* byHand.nextTask
      const others = yield* Stream.runCollect(AsyncioStream.fromAsCompleted(byHand))
      assert.strictEqual(others.length, 2)
      assert.strictEqual(yield* byHand.nextTask, undefined, "exhausted")
      assert.sameMembers(yield* Effect.all([one!, two!, ...others]), [0, 1, 2, 3])
    })
  )

  // Python keeps one count (`_todo_left`) for `__next__` and `__anext__`, so mixing the forms hands out each
  // input once and plain iteration then yields only what is left.
  it.effect("AC-05 the task form and the plain form share one count", () =>
    Effect.gen(function* () {
      const it = yield* asyncio.asCompleted([0, 1, 2, 3].map((i) => Effect.succeed(i)))
      const a = yield* it.nextTask
      const b = yield* it.nextTask
      const rest = Array.from(it)
      assert.strictEqual(rest.length, 2, "plain iteration yields only the two inputs not handed out yet")
      const values = [yield* a!, yield* b!]
      for (const next of rest.slice(0, 2)) values.push(yield* next)
      assert.sameMembers(values, [0, 1, 2, 3])
    })
  )

  it.effect("AC-07 the plain form's effects may be collected first and run concurrently", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const it = yield* asyncio.asCompleted([asyncio.sleep(0.05, "a"), asyncio.sleep(0.05, "b")])
        const items = Array.from(it)
        assert.strictEqual(items.length, 2)
        return yield* asyncio.gather(...items)
      })
      const { exit, elapsed } = yield* run(program)
      assert.sameMembers(yield* exit, ["a", "b"])
      assert.strictEqual(elapsed, 0.05)

      const tasks = Effect.gen(function* () {
        const it = yield* asyncio.asCompleted([asyncio.sleep(0.05, "a"), asyncio.sleep(0.05, "b")])
        const first = yield* it.nextTask
        const second = yield* it.nextTask
        return yield* Effect.all([first!, second!], { concurrency: "unbounded" })
      })
      const r = yield* run(tasks)
      assert.sameMembers(yield* r.exit, ["a", "b"])
      assert.strictEqual(r.elapsed, 0.05)
    })
  )

  it.effect("AC-08 the same task passed twice counts once; the same effect passed twice runs twice", () =>
    Effect.gen(function* () {
      // Deviation (docs/semantics.md G3): Python de-duplicates the coroutine object; an effect is a description,
      // so each occurrence becomes a task of its own. The same *task* still counts once.
      let runs = 0
      const c = Effect.sync(() => {
        runs++
        return "ham"
      })
      const plain = Array.from(yield* asyncio.asCompleted([c, c, Effect.succeed("spam")]))
      assert.strictEqual(plain.length, 3)
      assert.sameMembers(yield* Effect.all(plain), ["ham", "ham", "spam"])
      assert.strictEqual(runs, 2)

      const tasks = yield* Stream.runCollect(
        AsyncioStream.fromAsCompleted(yield* asyncio.asCompleted([c, c, Effect.succeed("spam")]))
      )
      assert.strictEqual(tasks.length, 3)
      assert.sameMembers(yield* Effect.all(tasks), ["ham", "ham", "spam"])
      assert.strictEqual(runs, 4)

      const t = yield* asyncio.createTask(Effect.succeed("task"))
      assert.strictEqual(Array.from(yield* asyncio.asCompleted([t, t, t])).length, 1)
    })
  )

  it.effect("AC-10 plain iteration inside a running program yields one effect per input", () =>
    Effect.gen(function* () {
      const items = Array.from(yield* asyncio.asCompleted([Effect.succeed(42)]))
      assert.strictEqual(items.length, 1)
      assert.strictEqual(yield* items[0], 42)
    })
  )

  it.effect("AC-11 empty input yields nothing in both forms", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(Array.from(yield* asyncio.asCompleted([])), [])
      assert.deepStrictEqual(
        yield* Stream.runCollect(AsyncioStream.fromAsCompleted(yield* asyncio.asCompleted([]))),
        []
      )
      assert.strictEqual(yield* (yield* asyncio.asCompleted([])).nextTask, undefined)
      assert.deepStrictEqual(Array.from(yield* asyncio.asCompleted([], { timeout: 0 })), [])
    })
  )

  it.effect("AC-13 the timeout raises TimeoutError and cancels nothing", () =>
    Effect.gen(function* () {
      for (const mode of modes) {
        const program = Effect.gen(function* () {
          const t0 = yield* now
          const t1 = yield* asyncio.createTask(asyncio.sleep(0.01, "t1"))
          const t2 = yield* asyncio.createTask(asyncio.sleep(0.2, "t2"))
          const it = yield* asyncio.asCompleted([t1, t2], { timeout: 0.05 })
          const got: Array<string> = []
          const exit = yield* Effect.exit(
            mode === "plain"
              ? Effect.forEach(it, (next) =>
                  Effect.flatMap(next, (v) =>
                    Effect.flatMap(since(t0), (at) => Effect.sync(() => got.push(`${at} ${v}`)))
                  )
                )
              : Stream.runForEach(AsyncioStream.fromAsCompleted(it), (task) =>
                  Effect.flatMap(task, (v) =>
                    Effect.flatMap(since(t0), (at) => Effect.sync(() => got.push(`${at} ${v}`)))
                  )
                )
          )
          const timedOutAt = yield* since(t0)
          const t2Done = yield* t2.done()
          const t2Value = yield* t2
          return {
            got,
            exit,
            timedOutAt,
            t2Done,
            t2Value,
            t2Cancelled: yield* t2.cancelled(),
            end: yield* since(t0)
          }
        })
        const r = yield* (yield* run(program)).exit
        assert.deepStrictEqual(r.got, ["0.01 t1"], mode)
        assert.strictEqual(failureOf(r.exit)?._tag, "TimeoutError", mode)
        assert.strictEqual(r.timedOutAt, 0.05, mode)
        assert.isFalse(r.t2Done, `${mode}: t2 is still running at the timeout`)
        assert.strictEqual(r.t2Value, "t2", mode)
        assert.isFalse(r.t2Cancelled, mode)
        assert.strictEqual(r.end, 0.2, mode)
      }
    })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Semantics beyond the listed cases: asyncio's documentation,
  // https://docs.python.org/3/library/asyncio-task.html#asyncio.as_completed
  // ---------------------------------------------------------------------------------------------------------

  it.effect("the timeout is measured from the call, not from the first request", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const t0 = yield* now
        const it = yield* asyncio.asCompleted([asyncio.sleep(0.01, "fast"), asyncio.sleep(1, "slow")], {
          timeout: 0.05
        })
        yield* asyncio.sleep(0.03)
        const first = yield* it.nextTask
        const firstAt = yield* since(t0)
        const second = yield* Effect.exit(it.nextTask)
        return { first: yield* first!, firstAt, second, secondAt: yield* since(t0) }
      })
      const r = yield* (yield* run(program)).exit
      assert.strictEqual(r.first, "fast")
      assert.strictEqual(r.firstAt, 0.03)
      assert.strictEqual(failureOf(r.second)?._tag, "TimeoutError")
      assert.strictEqual(r.secondAt, 0.05, "0.05 after the call, not 0.05 after the request at 0.03")
    })
  )

  it.effect(
    "inputs that finished before the deadline are still delivered after it, then every request times out",
    () =>
      Effect.gen(function* () {
        for (const mode of modes) {
          const program = Effect.gen(function* () {
            const t0 = yield* now
            const it = yield* asyncio.asCompleted(
              [asyncio.sleep(0.01, "one"), asyncio.sleep(0.02, "two"), asyncio.sleep(0.5, "late")],
              { timeout: 0.05 }
            )
            yield* asyncio.sleep(0.1)
            const results: Array<string> = []
            if (mode === "plain") {
              for (const next of it) {
                const exit = yield* Effect.exit(next)
                results.push(
                  exit._tag === "Success"
                    ? `${yield* since(t0)} ${exit.value}`
                    : `${yield* since(t0)} ${failureOf(exit)?._tag}`
                )
              }
            } else {
              for (let i = 0; i < 4; i++) {
                const exit = yield* Effect.exit(it.nextTask)
                results.push(
                  exit._tag === "Success"
                    ? `${yield* since(t0)} ${exit.value === undefined ? "end" : yield* exit.value}`
                    : `${yield* since(t0)} ${failureOf(exit)?._tag}`
                )
              }
            }
            // the late input was not cancelled either, and is never delivered once the deadline has passed
            yield* asyncio.sleep(1)
            const after = yield* Effect.exit(it.nextTask)
            return { results, after }
          })
          const r = yield* (yield* run(program)).exit
          assert.deepStrictEqual(
            r.results,
            mode === "plain"
              ? ["0.1 one", "0.1 two", "0.1 TimeoutError"]
              : ["0.1 one", "0.1 two", "0.1 TimeoutError", "0.1 end"],
            mode
          )
          assert.isTrue(r.after._tag === "Success" && r.after.value === undefined, `${mode}: count exhausted`)
        }
      })
  )

  it.effect(
    "after the timeout every further request fails with TimeoutError until the count is used up",
    () =>
      Effect.gen(function* () {
        const program = Effect.gen(function* () {
          const it = yield* asyncio.asCompleted(
            [asyncio.sleep(1, "a"), asyncio.sleep(2, "b"), asyncio.sleep(3, "c")],
            {
              timeout: 0.5
            }
          )
          const exits = []
          for (const next of it) exits.push(yield* Effect.exit(next))
          return { tags: exits.map((e) => failureOf(e)?._tag), at: yield* now }
        })
        const { exit, elapsed } = yield* run(program)
        const r = yield* exit
        assert.deepStrictEqual(r.tags, ["TimeoutError", "TimeoutError", "TimeoutError"])
        assert.strictEqual(elapsed, 0.5)
      })
  )

  it.effect("an input's error surfaces only when its item is awaited; the others carry on", () =>
    Effect.gen(function* () {
      for (const mode of modes) {
        const program = Effect.gen(function* () {
          const inputs = [
            Effect.andThen(asyncio.sleep(0.01), Effect.fail(new Boom({ label: "first" }))),
            asyncio.sleep(0.02, "second")
          ]
          const it = yield* asyncio.asCompleted(inputs)
          const out: Array<string> = []
          if (mode === "plain") {
            for (const next of it) {
              const exit = yield* Effect.exit(next)
              out.push(exit._tag === "Success" ? exit.value : `error ${failureOf(exit)?._tag}`)
            }
          } else {
            yield* Stream.runForEach(AsyncioStream.fromAsCompleted(it), (task) =>
              Effect.flatMap(Effect.exit(task), (exit) =>
                Effect.sync(() => {
                  out.push(exit._tag === "Success" ? exit.value : `error ${failureOf(exit)?._tag}`)
                })
              )
            )
          }
          return out
        })
        const r = yield* (yield* run(program)).exit
        assert.deepStrictEqual(r, ["error Boom", "second"], mode)
      }
    })
  )

  it.effect("leaving the iteration early cancels nothing", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const finished: Array<string> = []
        const input = (label: string, d: number) =>
          Effect.andThen(
            asyncio.sleep(d),
            Effect.sync(() => {
              finished.push(label)
              return label
            })
          )
        for (const next of yield* asyncio.asCompleted([
          input("a", 0.01),
          input("b", 0.02),
          input("c", 0.03)
        ])) {
          yield* next
          break
        }
        yield* asyncio.sleep(1)
        return finished
      })
      const r = yield* (yield* run(asyncio.Loop.scoped(program))).exit
      assert.deepStrictEqual(r, ["a", "b", "c"])
    })
  )

  it.effect("cancelling the consumer cancels only its wait; the inputs keep running", () =>
    Effect.gen(function* () {
      const main = Effect.gen(function* () {
        const inputs = [
          yield* asyncio.createTask(asyncio.sleep(0.1, "x")),
          yield* asyncio.createTask(asyncio.sleep(0.2, "y"))
        ]
        const it = yield* asyncio.asCompleted(inputs)
        const consumer = yield* asyncio.createTask(Stream.runCollect(AsyncioStream.fromAsCompleted(it)))
        yield* asyncio.sleep(0.05)
        yield* consumer.cancel()
        const results = yield* asyncio.gather(...inputs)
        return { results, consumerCancelled: yield* consumer.cancelled(), at: yield* now }
      })
      const { exit, elapsed } = yield* run(asyncio.Loop.scoped(main))
      const r = yield* exit
      assert.isTrue(r.consumerCancelled)
      assert.deepStrictEqual(r.results, ["x", "y"])
      assert.strictEqual(elapsed, 0.2)
    })
  )

  it.effect("the yielded items keep the inputs' value and error types", () =>
    Effect.gen(function* () {
      const inputs: Array<Effect.Effect<number, Boom> | Effect.Effect<string>> = [
        Effect.succeed(1),
        Effect.succeed("s")
      ]
      const it: asyncio.AsCompleted<number | string, Boom> = yield* asyncio.asCompleted(inputs)
      const values: Array<number | string> = []
      for (const next of it) {
        const typed: Effect.Effect<number | string, Boom | asyncio.TimeoutError> = next
        values.push(yield* typed)
        break
      }
      const task: asyncio.Task<number | string, Boom> | undefined = yield* it.nextTask
      values.push(yield* task!)
      assert.sameMembers(values, [1, "s"])
    })
  )

  it.effect("bad input is a defect carrying TypeError or ValueError", () =>
    Effect.gen(function* () {
      // An Effect is itself `Iterable` (that is how `yield*` works), so the type checker accepts a single effect or
      // task here; the run-time check catches it, as Python's TypeError does.
      const single = yield* misuse(asyncio.asCompleted(asyncio.sleep(1)))
      assert.strictEqual(defectTag(single), "TypeError")
      const task = yield* asyncio.createTask(asyncio.sleep(1))
      assert.strictEqual(defectTag(yield* misuse(asyncio.asCompleted(task))), "TypeError")
      // @ts-expect-error an element that is not an effect
      assert.strictEqual(defectTag(yield* misuse(asyncio.asCompleted([Effect.succeed(1), 2]))), "TypeError")
      // @ts-expect-error not iterable at all
      assert.strictEqual(defectTag(yield* misuse(asyncio.asCompleted(5))), "TypeError")
      const nan = yield* misuse(asyncio.asCompleted([Effect.succeed(1)], { timeout: Number.NaN }))
      assert.strictEqual(defectTag(nan), "ValueError")
    })
  )

  it.effect("a misused asCompleted starts none of its inputs", () =>
    Effect.gen(function* () {
      let ran = 0
      const input = Effect.sync(() => {
        ran++
      })
      // @ts-expect-error the second element is not an effect
      const exit = yield* misuse(asyncio.asCompleted([input, "oops"]))
      yield* settle
      assert.strictEqual(defectTag(exit), "TypeError")
      assert.strictEqual(ran, 0)
    })
  )

  it.effect("a consumer blocked in the plain form resumes as soon as the next input finishes", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const it = yield* asyncio.asCompleted([asyncio.sleep(0.3, "late"), asyncio.sleep(0.1, "early")])
        const [first, second] = Array.from(it)
        // run the second yielded effect first: it gets the first input to finish
        const fiber = yield* Effect.forkChild(second)
        const a = yield* Fiber.join(fiber)
        const b = yield* first
        return { a, b }
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.strictEqual(r.a, "early")
      assert.strictEqual(r.b, "late")
      assert.strictEqual(elapsed, 0.3)
    })
  )
})
