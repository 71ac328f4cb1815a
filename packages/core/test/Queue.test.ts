/**
 * Queues: the Q conformance cases (docs/conformance.md), the rest of asyncio's queue API
 * (https://docs.python.org/3/library/asyncio-queue.html, Python 3.13 `shutdown`), our documented differences
 * (stable PriorityQueue; the hand-off is asyncio's), the consumer views, and property tests of the invariants
 * (Queue.property.test.ts).
 *
 * Scenarios run inside `Loop.scoped` on virtual time (`runVirtual`), so a "tick" is `asyncio.sleep(0)` and
 * elapsed times are exact. Python's `task.cancel()` is our `task.cancel()`, which interrupts at once.
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as AsyncioStream from "@effect-asyncio/core/Stream"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Order from "effect/Order"
import * as Scheduler from "effect/Scheduler"
import * as Stream from "effect/Stream"
import { defectOf, defectTag, failureOf } from "./utils/exits.ts"
import { now, runVirtual, settle } from "./utils/virtual.ts"

const { Queue } = asyncio

/** One loop iteration: Python's `await asyncio.sleep(0)`. */
const tick = asyncio.sleep(0)

/** Runs `main` in a loop scope on virtual time; fails the test unless it succeeds. */
const scenario = <A, E>(main: Effect.Effect<A, E>) =>
  Effect.flatMap(runVirtual(asyncio.Loop.scoped(main)), ({ exit, elapsed }) =>
    Effect.map(exit, (value) => ({ value, elapsed }))
  )

/** `scenario` for programs that only wait on ticks and on each other: they must finish at virtual time 0. */
const instant = <A, E>(main: Effect.Effect<A, E>) =>
  Effect.map(scenario(main), ({ value, elapsed }) => {
    assert.strictEqual(elapsed, 0, "a tick-only scenario waited on the clock (or did not settle)")
    return value
  })

/** The `_tag` of the typed error `effect` fails with (the test fails if it succeeds). */
const errorTag = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (e) => e._tag)

/** The `_tag` of the error a finished task ended with, or "ok" / "cancelled". */
const outcomeOf = <A, E extends { readonly _tag: string }>(task: asyncio.Task<A, E>) =>
  Effect.gen(function* () {
    if (yield* task.cancelled()) return "cancelled"
    const error = yield* Effect.orDie(task.exception())
    return error === undefined ? "ok" : error._tag
  })

const kinds = [
  ["Queue", (maxsize?: number) => Queue.make<number>(maxsize)],
  ["PriorityQueue", (maxsize?: number) => Queue.makePriority<number>(maxsize)],
  ["LifoQueue", (maxsize?: number) => Queue.makeLifo<number>(maxsize)]
] as const

describe("Queue", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("Q-01 a new queue is empty, not after a put, and empty again after the get", () =>
    Effect.gen(function* () {
      for (const [, make] of kinds) {
        const q = yield* make()
        assert.isTrue(yield* q.empty())
        yield* q.put(1)
        assert.isFalse(yield* q.empty())
        assert.strictEqual(yield* q.get(), 1)
        assert.isTrue(yield* q.empty())
      }
    })
  )

  it.effect("Q-02 an unbounded queue is never full; Queue(1) is full after one put", () =>
    Effect.gen(function* () {
      for (const [, make] of kinds) {
        const unbounded = yield* make()
        for (let i = 0; i < 1000; i++) yield* unbounded.putNowait(i)
        assert.isFalse(yield* unbounded.full())
        const q = yield* make(1)
        assert.isFalse(yield* q.full())
        yield* q.put(1)
        assert.isTrue(yield* q.full())
      }
    })
  )

  it.effect("Q-04 [tick] a Queue(2) putter blocks on its third put until a get frees a slot", () =>
    Effect.gen(function* () {
      // Our ticks match asyncio's here: the putter starts on the first tick and blocks on its third item; the
      // get wakes it and it resumes on the next tick.
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>(2)
          assert.strictEqual(q.maxsize, 2)
          const havePut: Array<number> = []
          const putter = yield* asyncio.createTask(
            Effect.gen(function* () {
              for (let i = 0; i < 3; i++) {
                yield* q.put(i)
                havePut.push(i)
              }
              return true
            })
          )
          yield* tick
          yield* tick
          const blocked = [...havePut]
          const first = yield* q.get()
          const beforeTick = [...havePut]
          yield* tick
          const afterTick = [...havePut]
          const rest = [yield* q.getNowait(), yield* q.getNowait()]
          return {
            blocked,
            first,
            beforeTick,
            afterTick,
            rest,
            done: yield* putter.done(),
            result: yield* putter
          }
        })
      )
      assert.deepStrictEqual(value, {
        blocked: [0, 1],
        first: 0,
        beforeTick: [0, 1],
        afterTick: [0, 1, 2],
        rest: [1, 2],
        done: true,
        result: true
      })
    })
  )

  it.effect("Q-05 get returns an item put with putNowait", () =>
    Effect.gen(function* () {
      for (const [, make] of kinds) {
        const q = yield* make()
        yield* q.putNowait(1)
        assert.strictEqual(yield* q.get(), 1)
      }
    })
  )

  it.effect("Q-07 a blocked get returns the item a timer puts at t=0.01, at t=0.01", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* scenario(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>()
          const getter = yield* asyncio.createTask(Effect.zip(q.get(), now))
          yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0.01), q.putNowait(1)))
          return yield* getter
        })
      )
      assert.deepStrictEqual(value, [1, 0.01])
      assert.strictEqual(elapsed, 0.01)
    })
  )

  it.effect("Q-08 getNowait returns an item, and fails with QueueEmpty on an empty queue", () =>
    Effect.gen(function* () {
      for (const [kind, make] of kinds) {
        const q = yield* make()
        yield* q.putNowait(1)
        assert.strictEqual(yield* q.getNowait(), 1)
        const error = yield* Effect.flip(q.getNowait())
        assert.strictEqual(error._tag, "QueueEmpty")
        assert.strictEqual(error.message, `getNowait(): the ${kind} is empty`)
      }
    })
  )

  it.effect("Q-10 two blocked putters of a Queue(1) deliver in order: get returns 'a', then 'b'", () =>
    Effect.gen(function* () {
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<string>(1)
          yield* asyncio.createTask(q.put("a"))
          yield* asyncio.createTask(q.put("b"))
          return [yield* q.get(), yield* q.get()]
        })
      )
      assert.deepStrictEqual(value, ["a", "b"])
    })
  )

  it.effect("Q-11 a producer of 5 items and a consumer of 5 over a Queue(1) complete (no deadlock)", () =>
    Effect.gen(function* () {
      // Python runs both in a TaskGroup; `gather` gives the same guarantee here (both must finish).
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>(1)
          const got: Array<number> = []
          const producer = Effect.forEach([0, 1, 2, 3, 4], (i) => q.put(i), { discard: true })
          const consumer = Effect.gen(function* () {
            for (let i = 0; i < 5; i++) got.push(yield* q.get())
          })
          yield* asyncio.gather(producer, consumer)
          return got
        })
      )
      assert.deepStrictEqual(value, [0, 1, 2, 3, 4])
    })
  )

  it.effect("Q-13 put does not block on an unbounded queue; on Queue(1) it waits until a get at t=0.01", () =>
    Effect.gen(function* () {
      const unbounded = yield* Queue.make<number>()
      yield* unbounded.put(1)
      yield* unbounded.put(2)
      assert.strictEqual(yield* unbounded.qsize(), 2)

      const { value, elapsed } = yield* scenario(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>(1)
          let finished = false
          yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0.01), q.getNowait()))
          const putter = yield* asyncio.createTask(
            Effect.gen(function* () {
              yield* q.put(1)
              yield* q.put(2)
              finished = true
            })
          )
          yield* tick
          const before = finished
          yield* putter
          return { before, after: finished, at: yield* now }
        })
      )
      assert.deepStrictEqual(value, { before: false, after: true, at: 0.01 })
      assert.strictEqual(elapsed, 0.01)
    })
  )

  it.effect("Q-14 [tick] a reader cancelled after a put woke it never drops the item: the retry gets 1", () =>
    Effect.gen(function* () {
      // As in asyncio, the reader was woken but had not resumed when cancelled, so it ends cancelled and its
      // wake-up passes on (no other getter waits, so item 1 stays first in line for the retry).
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>()
          let reader = yield* asyncio.createTask(q.get())
          yield* tick
          yield* q.putNowait(1)
          yield* q.putNowait(2)
          yield* reader.cancel()
          yield* tick
          const cancelled = yield* reader.cancelled()
          if (cancelled) reader = yield* asyncio.createTask(q.get())
          return { cancelled, value: yield* reader, left: yield* q.qsize() }
        })
      )
      assert.deepStrictEqual(value, { cancelled: true, value: 1, left: 1 })
    })
  )

  it.effect(
    "Q-16 [tick] a writer cancelled after a get woke it adds nothing: exactly one 2 after the retry",
    () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>(1)
            yield* q.putNowait(1)
            let writer = yield* asyncio.createTask(q.put(2))
            yield* tick
            const value1 = yield* q.getNowait()
            yield* writer.cancel()
            yield* tick
            const cancelled = yield* writer.cancelled()
            if (cancelled) {
              writer = yield* asyncio.createTask(q.put(2))
              yield* writer
            }
            const value2 = yield* q.getNowait()
            return { cancelled, value1, value2, qsize: yield* q.qsize() }
          })
        )
        assert.deepStrictEqual(value, { cancelled: true, value1: 1, value2: 2, qsize: 0 })
      })
  )

  it.effect("Q-17 a second putNowait on a Queue(1) fails with QueueFull", () =>
    Effect.gen(function* () {
      for (const [kind, make] of kinds) {
        const q = yield* make(1)
        yield* q.putNowait(1)
        const error = yield* Effect.flip(q.putNowait(2))
        assert.strictEqual(error._tag, "QueueFull")
        assert.strictEqual(error.message, `putNowait(): the ${kind} is full (maxsize=1)`)
        assert.strictEqual(yield* q.qsize(), 1)
      }
    })
  )

  it.effect("Q-19 a task that puts 1 and returns true: get returns 1 and the task is done with true", () =>
    Effect.gen(function* () {
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>()
          const t = yield* asyncio.createTask(Effect.as(q.put(1), true))
          const got = yield* q.get()
          return { got, done: yield* t.done(), result: yield* t.result() }
        })
      )
      assert.deepStrictEqual(value, { got: 1, done: true, result: true })
    })
  )

  it.effect("Q-20 [tick] a cancelled putter does not steal the slot of the putter ahead of it", () =>
    Effect.gen(function* () {
      // Same ticks as asyncio: a puts on the first tick, b and c block; c's cancellation is immediate here
      // (asyncio needs a tick to deliver it), which the `done` check after the tick covers either way.
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<string>(1)
          const putA = yield* asyncio.createTask(q.put("a"))
          const putB = yield* asyncio.createTask(q.put("b"))
          const putC = yield* asyncio.createTask(q.put("X"))
          yield* tick
          const afterTick = [yield* putA.done(), yield* putB.done()]
          yield* putC.cancel()
          yield* tick
          const cDone = yield* putC.done()
          const first = yield* q.getNowait()
          yield* tick
          const second = yield* q.getNowait()
          yield* putB
          return { afterTick, cDone, first, second, left: yield* q.qsize() }
        })
      )
      assert.deepStrictEqual(value, {
        afterTick: [true, false],
        cDone: true,
        first: "a",
        second: "b",
        left: 0
      })
    })
  )

  it.effect("Q-22 four putters over a Queue(2) drained by a getter after one tick all complete", () =>
    Effect.gen(function* () {
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>(2)
          const getter = Effect.gen(function* () {
            yield* tick
            const n = yield* q.qsize()
            for (let i = 0; i < n; i++) yield* q.getNowait()
          })
          yield* asyncio.gather(getter, q.put(0), q.put(1), q.put(2), q.put(3))
          return yield* q.statistics()
        })
      )
      assert.strictEqual(value.qsize, 2)
      assert.strictEqual(value.puttersWaiting, 0)
    })
  )

  it.effect("Q-23 a cancelled blocked put leaves no putter registered", () =>
    Effect.gen(function* () {
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>(1)
          yield* q.putNowait(1)
          const putter = yield* asyncio.createTask(q.put(2))
          yield* tick
          const waiting = (yield* q.statistics()).puttersWaiting
          yield* putter.cancel()
          yield* settle
          return {
            waiting,
            cancelled: yield* putter.cancelled(),
            after: (yield* q.statistics()).puttersWaiting,
            items: [yield* q.getNowait(), yield* errorTag(q.getNowait())]
          }
        })
      )
      assert.deepStrictEqual(value, { waiting: 1, cancelled: true, after: 0, items: [1, "QueueEmpty"] })
    })
  )

  it.effect("Q-25 a LifoQueue returns 1, 3, 2 as 2, 3, 1", () =>
    Effect.gen(function* () {
      const q = yield* Queue.makeLifo<number>()
      for (const i of [1, 3, 2]) yield* q.put(i)
      assert.deepStrictEqual([yield* q.get(), yield* q.get(), yield* q.get()], [2, 3, 1])
      assert.strictEqual(q.kind, "LifoQueue")
    })
  )

  it.effect("Q-26 a PriorityQueue returns 1, 3, 2 as 1, 2, 3", () =>
    Effect.gen(function* () {
      const q = yield* Queue.makePriority<number>()
      for (const i of [1, 3, 2]) yield* q.put(i)
      assert.deepStrictEqual([yield* q.get(), yield* q.get(), yield* q.get()], [1, 2, 3])
      assert.strictEqual(q.kind, "PriorityQueue")
    })
  )

  it.effect("Q-28 two workers with taskDone process 100 items; join returns with the sum 4950", () =>
    Effect.gen(function* () {
      for (const [kind, make] of kinds) {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* make()
            for (let i = 0; i < 100; i++) yield* q.putNowait(i)
            let accumulator = 0
            const worker = Effect.forever(
              Effect.gen(function* () {
                accumulator += yield* q.get()
                yield* q.taskDone()
              })
            )
            const workers = [yield* asyncio.createTask(worker), yield* asyncio.createTask(worker)]
            yield* q.join()
            const sum = accumulator
            for (const w of workers) yield* w.cancel()
            return { sum, unfinished: (yield* q.statistics()).unfinishedTasks }
          })
        )
        assert.deepStrictEqual(value, { sum: 4950, unfinished: 0 }, kind)
      }
    })
  )

  it.effect("Q-29 join on an empty queue returns at once, twice, without suspending", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* scenario(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>()
          let sibling = false
          yield* asyncio.createTask(Effect.sync(() => (sibling = true)))
          yield* q.join()
          yield* q.join()
          return sibling
        })
      )
      assert.isFalse(value, "join did not yield to the sibling task")
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect("Q-31 [tick] shutdown(): the blocked putter fails after a tick, getters drain then fail", () =>
    Effect.gen(function* () {
      const value = yield* instant(
        Effect.gen(function* () {
          const q = yield* Queue.make<string>(1)
          yield* q.putNowait("data")
          const joiner = yield* asyncio.createTask(q.join())
          const putter = yield* asyncio.createTask(q.put("data2"))
          yield* tick
          yield* q.shutdown()
          const qsize = yield* q.qsize()
          const state = (yield* q.statistics()).state
          yield* tick
          const putterOutcome = yield* outcomeOf(putter)
          const got = yield* q.get()
          const joinDoneEarly = yield* joiner.done()
          const failures = [
            yield* errorTag(q.put("data3")),
            yield* errorTag(q.putNowait("data4")),
            yield* errorTag(q.get()),
            yield* errorTag(q.getNowait())
          ]
          yield* q.taskDone()
          yield* joiner
          const again = defectTag(yield* Effect.exit(q.taskDone()))
          return { qsize, state, putterOutcome, got, joinDoneEarly, failures, again }
        })
      )
      assert.deepStrictEqual(value, {
        qsize: 1,
        state: "draining",
        putterOutcome: "QueueShutDown",
        got: "data",
        joinDoneEarly: false,
        failures: ["QueueShutDown", "QueueShutDown", "QueueShutDown", "QueueShutDown"],
        again: "ValueError"
      })
    })
  )

  it.effect(
    "Q-32 [tick] shutdown(true) discards the items, releases join after a tick, every get fails",
    () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<string>()
            yield* q.putNowait("data")
            const joiner = yield* asyncio.createTask(q.join())
            yield* tick
            const joinBefore = yield* joiner.done()
            yield* q.shutdown(true)
            const qsize = yield* q.qsize()
            yield* tick
            const joinDone = yield* joiner.done()
            const failures = [
              yield* errorTag(q.put("data1")),
              yield* errorTag(q.putNowait("data2")),
              yield* errorTag(q.get()),
              yield* errorTag(q.getNowait())
            ]
            const taskDone = defectTag(yield* Effect.exit(q.taskDone()))
            return { joinBefore, qsize, joinDone, failures, taskDone, state: (yield* q.statistics()).state }
          })
        )
        assert.deepStrictEqual(value, {
          joinBefore: false,
          qsize: 0,
          joinDone: true,
          failures: ["QueueShutDown", "QueueShutDown", "QueueShutDown", "QueueShutDown"],
          taskDone: "ValueError",
          state: "shutdown"
        })
      })
  )

  it.effect("Q-34 a Queue(-3) is unbounded: 100 putNowait calls succeed, never full, maxsize is -3", () =>
    Effect.gen(function* () {
      for (const [, make] of kinds) {
        const q = yield* make(-3)
        for (let i = 0; i < 100; i++) yield* q.putNowait(i)
        assert.isFalse(yield* q.full())
        assert.strictEqual(q.maxsize, -3)
        assert.strictEqual(yield* q.qsize(), 100)
      }
    })
  )

  // ---------------------------------------------------------------------------------------------------------
  // The rest of asyncio's queue API (https://docs.python.org/3/library/asyncio-queue.html)
  // ---------------------------------------------------------------------------------------------------------

  describe("capacity", () => {
    it.effect("a non-integer maxsize works by comparison: Queue(1.3) is full at 2 items", () =>
      Effect.gen(function* () {
        const q = yield* Queue.make<number>(1.3)
        yield* q.putNowait(1)
        assert.isFalse(yield* q.full())
        yield* q.putNowait(2)
        assert.isTrue(yield* q.full())
        assert.strictEqual(yield* errorTag(q.putNowait(3)), "QueueFull")
      })
    )

    it.effect("maxsize NaN never fills up (Python: qsize() >= nan is false)", () =>
      Effect.gen(function* () {
        const q = yield* Queue.make<number>(Number.NaN)
        for (let i = 0; i < 10; i++) yield* q.putNowait(i)
        assert.isFalse(yield* q.full())
      })
    )

    it.effect("a maxsize that is not a number is a defect carrying TypeError", () =>
      Effect.gen(function* () {
        const bad: unknown = "2"
        const exit = yield* Effect.exit(Queue.make(bad as number))
        assert.strictEqual(defectTag(exit), "TypeError")
        const badCompare: unknown = 42
        const exit2 = yield* Effect.exit(Queue.makePriority(0, badCompare as Order.Order<number>))
        assert.strictEqual(defectTag(exit2), "TypeError")
      })
    )

    it.effect("a ring buffer that grew and shrank keeps FIFO order", () =>
      Effect.gen(function* () {
        const q = yield* Queue.make<number>()
        let next = 0
        let expected = 0
        for (const burst of [5, 3000, 10, 2500, 1]) {
          for (let i = 0; i < burst; i++) yield* q.putNowait(next++)
          for (let i = 0; i < Math.floor(burst / 2) + 1 && expected < next; i++) {
            assert.strictEqual(yield* q.getNowait(), expected++)
          }
        }
        while (expected < next) assert.strictEqual(yield* q.getNowait(), expected++)
        assert.isTrue(yield* q.empty())
      })
    )
  })

  describe("scheduling", () => {
    it.effect("fast paths never suspend: get on a non-empty queue, put on a non-full one", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>(2)
            let siblingRan = false
            yield* asyncio.createTask(Effect.sync(() => (siblingRan = true)))
            for (let round = 0; round < 100; round++) {
              yield* q.put(round)
              yield* q.put(round)
              yield* q.get()
              yield* q.get()
            }
            return siblingRan
          })
        )
        assert.isFalse(value)
      })
    )

    it.effect("a woken getter resumes after the putter's own next step (a later turn, not inline)", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<string>()
            const log: Array<string> = []
            yield* asyncio.createTask(Effect.map(q.get(), (item) => log.push(`consumed ${item}`)))
            yield* tick
            yield* q.put("x")
            log.push("produced x")
            yield* tick
            return log
          })
        )
        assert.deepStrictEqual(value, ["produced x", "consumed x"])
      })
    )

    it.effect("blocked getters are served first come, first served", () =>
      Effect.gen(function* () {
        for (const [, make] of kinds) {
          const value = yield* instant(
            Effect.gen(function* () {
              const q = yield* make()
              const order: Array<string> = []
              const getter = (name: string) => Effect.map(q.get(), (item) => order.push(`${name}:${item}`))
              const tasks = [
                yield* asyncio.createTask(getter("g1")),
                yield* asyncio.createTask(getter("g2")),
                yield* asyncio.createTask(getter("g3"))
              ]
              yield* tick
              yield* q.put(7)
              yield* q.put(8)
              yield* q.put(9)
              yield* asyncio.gather(...tasks)
              return order
            })
          )
          // Each getter takes its item when its turn comes, in the order the getters blocked.
          assert.deepStrictEqual(value.length, 3)
          assert.deepStrictEqual(
            value.map((s) => s.split(":")[0]),
            ["g1", "g2", "g3"]
          )
        }
      })
    )

    it.effect("blocked putters are served first come, first served", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<string>(1)
            yield* q.put("first")
            const putters = [
              yield* asyncio.createTask(q.put("p1")),
              yield* asyncio.createTask(q.put("p2")),
              yield* asyncio.createTask(q.put("p3"))
            ]
            yield* tick
            const got: Array<string> = []
            for (let i = 0; i < 4; i++) got.push(yield* q.get())
            yield* asyncio.gather(...putters)
            return got
          })
        )
        assert.deepStrictEqual(value, ["first", "p1", "p2", "p3"])
      })
    )

    it.effect(
      "as in asyncio, getNowait takes the item a woken getter has not taken yet; that getter waits again at the back",
      () =>
        Effect.gen(function* () {
          // CPython 3.11 prints [('nowait', 1), ('g2', 2), ('g1', 3)] for the same program.
          const value = yield* instant(
            Effect.gen(function* () {
              const q = yield* Queue.make<number>()
              const log: Array<string> = []
              const getter = (name: string) =>
                Effect.flatMap(q.get(), (item) => Effect.sync(() => log.push(`${name} ${item}`)))
              const g1 = yield* asyncio.createTask(getter("g1"))
              const g2 = yield* asyncio.createTask(getter("g2"))
              yield* tick
              yield* q.putNowait(1) // wakes g1
              log.push(`nowait ${yield* q.getNowait()}`) // … which has not run yet: the item is there to take
              yield* tick // g1 finds the queue empty and parks again, behind g2
              const waiting = (yield* q.statistics()).gettersWaiting
              yield* q.putNowait(2)
              yield* tick
              yield* q.putNowait(3)
              yield* asyncio.gather(g1, g2)
              return { log, waiting }
            })
          )
          assert.deepStrictEqual(value, { log: ["nowait 1", "g2 2", "g1 3"], waiting: 2 })
        })
    )

    it.effect(
      "as in asyncio, putNowait fills the slot freed for a woken putter; that putter waits again (full() true)",
      () =>
        Effect.gen(function* () {
          // CPython 3.11: ['a', ('full', True), ('putters', 1), 'barger', 'p put b', 'b'].
          const value = yield* instant(
            Effect.gen(function* () {
              const q = yield* Queue.make<string>(1)
              const log: Array<unknown> = []
              yield* q.putNowait("a")
              const putter = yield* asyncio.createTask(
                Effect.andThen(
                  q.put("b"),
                  Effect.sync(() => log.push("p put b"))
                )
              )
              yield* tick
              log.push(yield* q.getNowait()) // wakes the putter
              yield* q.putNowait("barger")
              log.push(["full", yield* q.full()])
              yield* tick // the putter finds the queue full and parks again
              log.push(["putters", (yield* q.statistics()).puttersWaiting])
              log.push(yield* q.getNowait())
              yield* putter
              log.push(yield* q.getNowait())
              return log
            })
          )
          assert.deepStrictEqual(value, ["a", ["full", true], ["putters", 1], "barger", "p put b", "b"])
        })
    )

    it.effect("a PriorityQueue getter woken for one item gets the lowest item when its turn comes", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.makePriority<number>()
            const getter = yield* asyncio.createTask(q.get())
            yield* tick
            yield* q.putNowait(5)
            yield* q.putNowait(1)
            return [yield* getter, yield* q.getNowait()]
          })
        )
        assert.deepStrictEqual(value, [1, 5])
      })
    )
  })

  // ---------------------------------------------------------------------------------------------------------
  // asyncio's hand-off order (issue 12 §2): each test is a program of test/fixtures/queue_handoff.py, and asserts
  // the order CPython 3.11 prints for it (`python3 packages/core/test/fixtures/queue_handoff.py`).
  // ---------------------------------------------------------------------------------------------------------

  describe("asyncio's hand-off order", () => {
    /** Runs a program that only waits on ticks and on its tasks; returns what it logged, joined with " | ". */
    const transcript = <E>(program: (log: (line: string) => void) => Effect.Effect<unknown, E>) =>
      instant(
        Effect.suspend(() => {
          const lines: Array<string> = []
          return Effect.as(
            program((line) => lines.push(line)),
            lines
          )
        })
      ).pipe(Effect.map((lines) => lines.join(" | ")))

    it.effect(
      "a ready worker takes a, b, c put without yielding; the three woken workers wait again (CPython's order)",
      () =>
        Effect.gen(function* () {
          const printed = yield* transcript((log) =>
            Effect.gen(function* () {
              const q = yield* Queue.make<string>()
              const worker = (i: number) =>
                Effect.gen(function* () {
                  for (let n = 0; n < 3; n++) log(`w${i} ${yield* q.get()}`)
                })
              const workers = [
                yield* asyncio.createTask(worker(1)),
                yield* asyncio.createTask(worker(2)),
                yield* asyncio.createTask(worker(3))
              ]
              yield* tick
              workers.push(yield* asyncio.createTask(worker(0))) // ready, not yet run
              for (const x of "abc") yield* q.put(x)
              yield* tick
              yield* tick
              log(`getters ${(yield* q.statistics()).gettersWaiting}`)
              for (const x of "defghijkl") yield* q.put(x)
              yield* asyncio.gather(...workers)
            })
          )
          // queue_handoff.py: minimal
          assert.strictEqual(
            printed,
            "w0 a | w0 b | w0 c | getters 3 | w1 d | w1 e | w1 f | w2 g | w2 h | w2 i | w3 j | w3 k | w3 l"
          )
        })
    )

    it.effect("a pool of three workers, one tick of work per item: items go round as in CPython", () =>
      Effect.gen(function* () {
        const printed = yield* transcript((log) =>
          Effect.gen(function* () {
            const q = yield* Queue.make<number | null>()
            const worker = (i: number) =>
              Effect.gen(function* () {
                for (let item = yield* q.get(); item !== null; item = yield* q.get()) {
                  log(`w${i} ${item}`)
                  yield* tick
                }
              })
            const workers = [
              yield* asyncio.createTask(worker(0)),
              yield* asyncio.createTask(worker(1)),
              yield* asyncio.createTask(worker(2))
            ]
            yield* tick
            for (let x = 0; x < 6; x++) yield* q.putNowait(x)
            for (const _ of workers) yield* q.putNowait(null)
            yield* asyncio.gather(...workers)
          })
        )
        // queue_handoff.py: pool
        assert.strictEqual(printed, "w0 0 | w1 1 | w2 2 | w0 3 | w1 4 | w2 5")
      })
    )

    it.effect(
      "a ready putter fills the slot freed for a woken putter, which waits again at the back (CPython's order)",
      () =>
        Effect.gen(function* () {
          const printed = yield* transcript((log) =>
            Effect.gen(function* () {
              const q = yield* Queue.make<string>(1)
              yield* q.putNowait("x")
              const putter = (name: string) =>
                Effect.andThen(
                  q.put(name),
                  Effect.sync(() => log(`${name} put`))
                )
              const putters = [
                yield* asyncio.createTask(putter("p1")),
                yield* asyncio.createTask(putter("p2")),
                yield* asyncio.createTask(putter("p3"))
              ]
              yield* tick
              putters.push(yield* asyncio.createTask(putter("p0"))) // ready, not yet run
              log(`got ${yield* q.getNowait()}`)
              yield* tick
              log(`putters ${(yield* q.statistics()).puttersWaiting}`)
              for (let n = 0; n < 3; n++) {
                log(`got ${yield* q.get()}`)
                yield* tick
              }
              yield* asyncio.gather(...putters)
            })
          )
          // queue_handoff.py: putters
          assert.strictEqual(
            printed,
            "got x | p0 put | putters 3 | got p0 | p2 put | got p2 | p3 put | got p3 | p1 put"
          )
        })
    )

    /** A task that logs "`name` `item`" for the item it gets, or "`name` cancelled". */
    const getter = (q: asyncio.Queue.Queue<number>, name: string, log: (line: string) => void) =>
      Effect.onInterrupt(
        Effect.flatMap(q.get(), (item) => Effect.sync(() => log(`${name} ${item}`))),
        () => Effect.sync(() => log(`${name} cancelled`))
      )

    /** A queue with the getters g1 and g2 parked in `get()`, in that order. */
    const twoParkedGetters = (log: (line: string) => void) =>
      Effect.gen(function* () {
        const q = yield* Queue.make<number>()
        const g1 = yield* asyncio.createTask(getter(q, "g1", log))
        const g2 = yield* asyncio.createTask(getter(q, "g2", log))
        yield* tick
        return { q, g1, g2 }
      })

    it.effect("a woken getter that finds the queue empty waits again behind a getter that came later", () =>
      Effect.gen(function* () {
        const printed = yield* transcript((log) =>
          Effect.gen(function* () {
            const { q, g1, g2 } = yield* twoParkedGetters(log)
            const g3 = yield* asyncio.createTask(getter(q, "g3", log))
            yield* q.putNowait(1) // wakes g1
            log(`main ${yield* q.getNowait()}`)
            yield* tick // g3 parks, then g1 finds the queue empty and parks behind it
            for (const x of [2, 3, 4]) {
              yield* q.putNowait(x)
              yield* tick
            }
            yield* asyncio.gather(g1, g2, g3)
          })
        )
        // queue_handoff.py: back_of_line
        assert.strictEqual(printed, "main 1 | g2 2 | g3 3 | g1 4")
      })
    )

    it.effect("a woken getter cancelled before it runs passes the item on to the next getter", () =>
      Effect.gen(function* () {
        const printed = yield* transcript((log) =>
          Effect.gen(function* () {
            const { q, g1, g2 } = yield* twoParkedGetters(log)
            yield* q.putNowait(1) // wakes g1
            yield* g1.cancel()
            yield* tick
            yield* tick
            log(`qsize ${yield* q.qsize()}`)
            yield* asyncio.gather(g1, g2, { returnExceptions: true })
          })
        )
        // queue_handoff.py: cancelled_woken
        assert.strictEqual(printed, "g1 cancelled | g2 1 | qsize 0")
      })
    )
  })

  describe("cancellation", () => {
    it.effect("a woken getter that is cancelled passes its wake-up to the next getter", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>()
            const g1 = yield* asyncio.createTask(q.get())
            const g2 = yield* asyncio.createTask(q.get())
            yield* tick
            yield* q.putNowait(1)
            yield* g1.cancel()
            const got = yield* g2
            return { got, g1: yield* outcomeOf(g1), stats: yield* q.statistics() }
          })
        )
        assert.strictEqual(value.got, 1)
        assert.strictEqual(value.g1, "cancelled")
        assert.strictEqual(value.stats.gettersWaiting, 0)
        assert.strictEqual(value.stats.qsize, 0)
      })
    )

    it.effect(
      "a woken putter that is cancelled passes the free slot to the next putter; its item never arrives",
      () =>
        Effect.gen(function* () {
          const value = yield* instant(
            Effect.gen(function* () {
              const q = yield* Queue.make<string>(1)
              yield* q.putNowait("a")
              const p1 = yield* asyncio.createTask(q.put("cancelled"))
              const p2 = yield* asyncio.createTask(q.put("b"))
              yield* tick
              assert.strictEqual(yield* q.getNowait(), "a")
              yield* p1.cancel()
              yield* p2
              return {
                items: [yield* q.getNowait(), yield* errorTag(q.getNowait())],
                p1: yield* outcomeOf(p1),
                unfinished: (yield* q.statistics()).unfinishedTasks
              }
            })
          )
          assert.deepStrictEqual(value, { items: ["b", "QueueEmpty"], p1: "cancelled", unfinished: 2 })
        })
    )

    it.effect("a woken getter still unwinding its cancellation when its turn comes takes nothing", () =>
      Effect.gen(function* () {
        // With an op budget of 3, Effect preempts the cancelled getter while it unwinds, before its canceller has
        // given the wake-up back; the getter's turn then comes and Effect ignores its resumption. The item must
        // still be in the queue. The interleaving depends on Effect's exact op counts, so the log checks that the
        // scenario still reproduces the race (the getter is still counted, woken, after cancel() returned).
        // No timers: it runs directly, without runVirtual's settle budget.
        const log: Array<string> = []
        const value = yield* asyncio.Loop.scoped(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>()
            const record = (label: string) => (exit: Exit.Exit<unknown, unknown>) =>
              Effect.sync(() => log.push(`${label} ${exit._tag}`))
            const getter = yield* asyncio.createTask(Effect.ignore(Effect.onExit(q.get(), record("get"))))
            // the getter parks (preempted once on its way, by the op budget)
            yield* Effect.yieldNow
            yield* Effect.yieldNow
            yield* asyncio.createTask(Effect.ignore(Effect.onExit(q.putNowait(7), record("put"))))
            log.push(`before cancel ${String(q)}`)
            yield* getter.cancel()
            log.push(`after cancel ${String(q)}`)
            for (let i = 0; i < 4; i++) yield* settle
            return [yield* Effect.exit(q.getNowait()), yield* q.statistics()] as const
          }).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, 3))
        )
        assert.deepStrictEqual(log, [
          "before cancel <Queue maxsize=0 qsize=0 getters[1]>",
          // the put woke the getter, whose cancellation has not reached the queue yet
          "after cancel <Queue maxsize=0 qsize=1 getters[1] tasks=1>",
          "put Success",
          "get Failure"
        ])
        const [drained, stats] = value
        assert.deepStrictEqual(drained, Exit.succeed(7))
        assert.strictEqual(stats.gettersWaiting, 0)
      })
    )

    it.effect("a get interrupted by raw Effect code (Effect.timeout) takes nothing", () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* scenario(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>()
            const timedOut = yield* Effect.exit(Effect.timeout(q.get(), "1 second"))
            yield* q.put(1)
            return { timedOut: Exit.isFailure(timedOut), got: yield* q.get() }
          })
        )
        assert.deepStrictEqual(value, { timedOut: true, got: 1 })
        assert.strictEqual(elapsed, 1)
      })
    )

    it.effect("a cancelled join is unlinked; the others still return when the count reaches 0", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>()
            yield* q.put(1)
            const j1 = yield* asyncio.createTask(q.join())
            const j2 = yield* asyncio.createTask(q.join())
            yield* tick
            const waiting = (yield* q.statistics()).joinersWaiting
            yield* j1.cancel()
            const afterCancel = (yield* q.statistics()).joinersWaiting
            yield* q.get()
            yield* q.taskDone()
            yield* j2
            return { waiting, afterCancel, j1: yield* outcomeOf(j1) }
          })
        )
        assert.deepStrictEqual(value, { waiting: 2, afterCancel: 1, j1: "cancelled" })
      })
    )
  })

  describe("taskDone and join", () => {
    it.effect("taskDone without a pending item is a defect carrying ValueError", () =>
      Effect.gen(function* () {
        const q = yield* Queue.make<number>()
        const exit = yield* Effect.exit(q.taskDone())
        assert.strictEqual(defectTag(exit), "ValueError")
        const defect = defectOf(exit)
        assert.instanceOf(defect, asyncio.ValueError)
        assert.match((defect as asyncio.ValueError).message, /^taskDone\(\) called too many times/)
      })
    )

    it.effect(
      "a joiner released by the last taskDone returns even if a new item arrives before it resumes",
      () =>
        Effect.gen(function* () {
          // asyncio: join() waits on an Event, which stays "fired" for the waiters it woke.
          const value = yield* instant(
            Effect.gen(function* () {
              const q = yield* Queue.make<number>()
              yield* q.put(1)
              const joiner = yield* asyncio.createTask(q.join())
              yield* tick
              yield* q.get()
              yield* q.taskDone()
              yield* q.put(2)
              yield* tick
              return { done: yield* joiner.done(), unfinished: (yield* q.statistics()).unfinishedTasks }
            })
          )
          assert.deepStrictEqual(value, { done: true, unfinished: 1 })
        })
    )
  })

  describe("shutdown", () => {
    it.effect("shutdown(): a getter already woken for an item gets it, the other blocked getters fail", () =>
      Effect.gen(function* () {
        for (const cancelFirst of [false, true]) {
          const value = yield* instant(
            Effect.gen(function* () {
              const q = yield* Queue.make<number>()
              const getters = [
                yield* asyncio.createTask(q.get()),
                yield* asyncio.createTask(q.get()),
                yield* asyncio.createTask(q.get())
              ]
              yield* tick
              yield* q.putNowait(1) // wakes the first getter
              yield* q.shutdown() // wakes the other two
              // When the first getter is cancelled now, the item it was woken for goes to the next in line.
              if (cancelFirst) yield* getters[0].cancel()
              yield* tick
              const outcomes: Array<string> = []
              for (const t of getters) outcomes.push(yield* outcomeOf(t))
              const winner = cancelFirst ? getters[1] : getters[0]
              return { outcomes, got: yield* Effect.orDie(winner.result()), stats: yield* q.statistics() }
            })
          )
          assert.deepStrictEqual(
            value.outcomes,
            cancelFirst ? ["cancelled", "ok", "QueueShutDown"] : ["ok", "QueueShutDown", "QueueShutDown"]
          )
          assert.strictEqual(value.got, 1)
          assert.strictEqual(value.stats.gettersWaiting, 0)
          assert.strictEqual(value.stats.state, "shutdown")
        }
      })
    )

    it.effect("blocked getters of an empty queue fail with QueueShutDown after shutdown()", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>()
            const getters = [yield* asyncio.createTask(q.get()), yield* asyncio.createTask(q.get())]
            yield* tick
            yield* q.shutdown()
            const rightAfter = yield* getters[0].done()
            yield* tick
            return {
              rightAfter,
              outcomes: [yield* outcomeOf(getters[0]), yield* outcomeOf(getters[1])],
              message: (yield* Effect.flip(q.get())).message,
              state: (yield* q.statistics()).state
            }
          })
        )
        assert.deepStrictEqual(value, {
          rightAfter: false,
          outcomes: ["QueueShutDown", "QueueShutDown"],
          message: "get(): the Queue is shut down",
          state: "shutdown"
        })
      })
    )

    it.effect(
      "shutdown(true) with unfinished items: join waits for the taskDone of the item already taken",
      () =>
        Effect.gen(function* () {
          // CPython 3.13 test_shutdown_immediate_with_unfinished.
          const value = yield* instant(
            Effect.gen(function* () {
              const q = yield* Queue.make<string>()
              yield* q.putNowait("data")
              yield* q.putNowait("data")
              const joiner = yield* asyncio.createTask(q.join())
              assert.strictEqual(yield* q.getNowait(), "data")
              yield* q.shutdown(true)
              const qsize = yield* q.qsize()
              yield* tick
              const early = yield* joiner.done()
              yield* q.taskDone()
              yield* joiner
              return { qsize, early, again: defectTag(yield* Effect.exit(q.taskDone())) }
            })
          )
          assert.deepStrictEqual(value, { qsize: 0, early: false, again: "ValueError" })
        })
    )

    it.effect("a woken getter holding a reservation fails when shutdown(true) discards the items first", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>()
            const getter = yield* asyncio.createTask(q.get())
            yield* tick
            yield* q.putNowait(1)
            yield* q.shutdown(true)
            yield* tick
            return { getter: yield* outcomeOf(getter), unfinished: (yield* q.statistics()).unfinishedTasks }
          })
        )
        assert.deepStrictEqual(value, { getter: "QueueShutDown", unfinished: 0 })
      })
    )

    it.effect("shutdown is idempotent, and shutdown(true) after shutdown() still discards the rest", () =>
      Effect.gen(function* () {
        const q = yield* Queue.make<number>()
        yield* q.put(1)
        yield* q.put(2)
        yield* q.shutdown()
        yield* q.shutdown()
        assert.strictEqual(yield* q.qsize(), 2)
        assert.strictEqual(yield* q.get(), 1)
        yield* q.shutdown(true)
        assert.strictEqual(yield* q.qsize(), 0)
        const stats = yield* q.statistics()
        assert.strictEqual(stats.unfinishedTasks, 1) // the taken item still needs its taskDone
        yield* q.taskDone()
        assert.strictEqual(yield* errorTag(q.get()), "QueueShutDown")
      })
    )
  })

  describe("PriorityQueue", () => {
    it.effect("the default order compares arrays like Python tuples, strings, bigints and booleans", () =>
      Effect.gen(function* () {
        const q = yield* Queue.makePriority<ReadonlyArray<unknown>>()
        const items: Array<ReadonlyArray<unknown>> = [
          [2, "a"],
          [1, "b"],
          [1, "a"],
          [1],
          [1, "a", 0],
          [true, "z"],
          [0n, "y"]
        ]
        for (const item of items) yield* q.put(item)
        const out: Array<ReadonlyArray<unknown>> = []
        while (!(yield* q.empty())) out.push(yield* q.get())
        // `true == 1` as in Python, so [true, "z"] is decided by "z" > "b".
        assert.deepStrictEqual(out, [[0n, "y"], [1], [1, "a"], [1, "a", 0], [1, "b"], [true, "z"], [2, "a"]])
      })
    )

    it.effect("items that compare equal leave in insertion order (stable, unlike heapq)", () =>
      Effect.gen(function* () {
        const q = yield* Queue.makePriority<{ readonly p: number; readonly name: string }>(
          0,
          Order.mapInput(Order.Number, (job: { readonly p: number }) => job.p)
        )
        const names = ["a", "b", "c", "d", "e", "f", "g", "h"]
        for (let i = 0; i < names.length; i++) yield* q.put({ p: i % 2, name: names[i] })
        const out: Array<string> = []
        for (let i = 0; i < names.length; i++) out.push((yield* q.get()).name)
        assert.deepStrictEqual(out, ["a", "c", "e", "g", "b", "d", "f", "h"])
      })
    )

    it.effect(
      "an item the default order cannot compare is a TypeError defect and leaves the queue unchanged",
      () =>
        Effect.gen(function* () {
          const q = yield* Queue.makePriority<unknown>()
          yield* q.put(1)
          yield* q.put(2)
          const exit = yield* Effect.exit(q.put("three"))
          assert.strictEqual(defectTag(exit), "TypeError")
          assert.match(
            (defectOf(exit) as asyncio.TypeError).message,
            /'<' not supported between instances of '(number|string)' and '(number|string)'/
          )
          const stats = yield* q.statistics()
          assert.deepStrictEqual([stats.qsize, stats.unfinishedTasks], [2, 2])
          assert.deepStrictEqual([yield* q.get(), yield* q.get()], [1, 2])
        })
    )

    it.effect("a comparator that throws while a get sifts leaves every item in place", () =>
      Effect.gen(function* () {
        let armed = false
        const q = yield* Queue.makePriority<number>(0, (a, b) => {
          if (armed) throw new Error("comparator exploded")
          return a - b
        })
        for (const i of [5, 3, 8, 1, 9, 2]) yield* q.put(i)
        armed = true
        const exit = yield* Effect.exit(q.get())
        assert.strictEqual((defectOf(exit) as Error).message, "comparator exploded")
        armed = false
        const out: Array<number> = []
        while (!(yield* q.empty())) out.push(yield* q.get())
        assert.deepStrictEqual(out, [1, 2, 3, 5, 8, 9])
      })
    )

    it.effect(
      "a comparator that throws at a woken getter's turn kills that get only; the next getter is served",
      () =>
        Effect.gen(function* () {
          const value = yield* instant(
            Effect.gen(function* () {
              let throwOnce = false
              const q = yield* Queue.makePriority<number>(0, (a, b) => {
                if (throwOnce) {
                  throwOnce = false
                  throw new Error("comparator exploded")
                }
                return a - b
              })
              const g1 = yield* asyncio.createTask(q.get())
              const g2 = yield* asyncio.createTask(q.get())
              yield* tick
              yield* q.putNowait(5)
              yield* q.putNowait(3)
              yield* q.putNowait(4) // three items, so taking the lowest compares the other two
              throwOnce = true
              yield* tick
              const g1Exit = yield* Effect.exit(g1.result())
              const left = [yield* q.getNowait(), yield* q.getNowait()]
              return { g1: (defectOf(g1Exit) as Error).message, g2: yield* g2, left }
            })
          )
          assert.deepStrictEqual(value, { g1: "comparator exploded", g2: 3, left: [4, 5] })
        })
    )

    it.effect("a bounded PriorityQueue blocks putters and hands out the lowest item first", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.makePriority<number>(2)
            yield* q.put(5)
            yield* q.put(4)
            const putter = yield* asyncio.createTask(q.put(1))
            yield* tick
            const first = yield* q.get()
            yield* putter
            return [first, yield* q.get(), yield* q.get()]
          })
        )
        assert.deepStrictEqual(value, [4, 1, 5])
      })
    )
  })

  describe("statistics and rendering", () => {
    it.effect("statistics() reports sizes, waiters, unfinished tasks and the state", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>(1)
            const empty = yield* q.statistics()
            yield* q.put(1)
            yield* asyncio.createTask(q.put(2))
            yield* asyncio.createTask(q.join())
            yield* tick
            const busy = yield* q.statistics()
            const text = String(q)
            yield* q.shutdown()
            const draining = yield* q.statistics()
            return { empty, busy, text, draining, json: JSON.parse(JSON.stringify(q)) }
          })
        )
        assert.deepStrictEqual(value.empty, {
          kind: "Queue",
          state: "open",
          qsize: 0,
          maxsize: 1,
          gettersWaiting: 0,
          puttersWaiting: 0,
          joinersWaiting: 0,
          unfinishedTasks: 0
        })
        assert.deepStrictEqual(value.busy, {
          kind: "Queue",
          state: "open",
          qsize: 1,
          maxsize: 1,
          gettersWaiting: 0,
          puttersWaiting: 1,
          joinersWaiting: 1,
          unfinishedTasks: 1
        })
        assert.strictEqual(value.text, "<Queue maxsize=1 qsize=1 putters[1] tasks=1>")
        assert.strictEqual(value.draining.state, "draining")
        assert.strictEqual(value.json._id, "Queue")
      })
    )

    it.effect("isQueue tells queues from other values", () =>
      Effect.gen(function* () {
        assert.isTrue(Queue.isQueue(yield* Queue.makeLifo<number>()))
        assert.isFalse(Queue.isQueue({ get: () => 1 }))
      })
    )
  })

  // ---------------------------------------------------------------------------------------------------------
  // Consumer views
  // ---------------------------------------------------------------------------------------------------------

  describe("consumers", () => {
    it.effect(
      "stream() yields the items in queue order and ends when the queue is shut down and drained",
      () =>
        Effect.gen(function* () {
          const { value, elapsed } = yield* scenario(
            Effect.gen(function* () {
              const q = yield* Queue.make<number>(2)
              const producer = Effect.gen(function* () {
                for (let i = 1; i <= 5; i++) {
                  yield* asyncio.sleep(1)
                  yield* q.put(i)
                }
                yield* q.shutdown()
              })
              yield* asyncio.createTask(producer)
              return yield* Stream.runCollect(AsyncioStream.fromQueue(q))
            })
          )
          assert.deepStrictEqual(value, [1, 2, 3, 4, 5])
          assert.strictEqual(elapsed, 5)
        })
    )

    it.effect("two streams share one queue without losing or duplicating items", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>(3)
            const a = yield* asyncio.createTask(Stream.runCollect(AsyncioStream.fromQueue(q)))
            const b = yield* asyncio.createTask(Stream.runCollect(AsyncioStream.fromQueue(q)))
            for (let i = 0; i < 50; i++) yield* q.put(i)
            yield* q.shutdown()
            const [xs, ys] = yield* asyncio.gather(a, b)
            return { all: [...xs, ...ys].sort((x, y) => x - y), split: [xs.length, ys.length] }
          })
        )
        assert.deepStrictEqual(
          value.all,
          Array.from({ length: 50 }, (_, i) => i)
        )
        // As in asyncio (CPython 3.11 prints "50 0" for the same program with two consumer tasks): the consumer
        // that is running takes the next item, so the first one takes them all while the second, woken for an
        // item already taken, waits again.
        assert.deepStrictEqual(value.split, [50, 0])
      })
    )

    it.effect(
      "forEach runs a worker pool: join returns once every item is processed, shutdown ends the loops",
      () =>
        Effect.gen(function* () {
          const { value, elapsed } = yield* scenario(
            Effect.gen(function* () {
              const q = yield* Queue.make<number>(10)
              const processed: Array<string> = []
              const worker = (id: number) =>
                Queue.forEach(q, (n) =>
                  Effect.andThen(
                    asyncio.sleep(n),
                    Effect.sync(() => processed.push(`w${id}:${n}`))
                  )
                )
              const pool = [yield* asyncio.createTask(worker(1)), yield* asyncio.createTask(worker(2))]
              for (const n of [3, 1, 1, 2]) yield* q.put(n)
              yield* q.join()
              const joinedAt = yield* now
              yield* q.shutdown()
              yield* asyncio.gather(...pool)
              return { processed, joinedAt }
            })
          )
          // w1 takes 3 (done at 3); w2 takes 1 (1), 1 (2), 2 (4).
          assert.deepStrictEqual(value.processed, ["w2:1", "w2:1", "w1:3", "w2:2"])
          assert.strictEqual(value.joinedAt, 4)
          assert.strictEqual(elapsed, 4)
        })
    )

    it.effect("forEach marks an item done even when processing fails, then fails with that error", () =>
      Effect.gen(function* () {
        const value = yield* instant(
          Effect.gen(function* () {
            const q = yield* Queue.make<number>()
            yield* q.put(1)
            yield* q.put(2)
            const exit = yield* Effect.exit(
              Queue.forEach(q, (n) => (n === 1 ? Effect.fail({ _tag: "Boom" as const, n }) : Effect.void))
            )
            return { error: failureOf(exit), stats: yield* q.statistics() }
          })
        )
        assert.deepStrictEqual(value.error, { _tag: "Boom", n: 1 })
        assert.strictEqual(value.stats.unfinishedTasks, 1)
        assert.strictEqual(value.stats.qsize, 1)
      })
    )
  })
})

describe("Queue.makeUnsafe (outside any fiber)", () => {
  it.effect(
    "a queue made outside any fiber: FIFO, put wakes the getter on a later turn, back-pressure, join, shutdown",
    () =>
      Effect.gen(function* () {
        const queue = Queue.makeUnsafe<string>(1)
        const stack = Queue.makeLifoUnsafe<number>()
        const jobs = Queue.makePriorityUnsafe<[number, string]>()
        const value = yield* instant(
          Effect.gen(function* () {
            const log: Array<string> = []
            const consumer = yield* asyncio.createTask(
              Queue.forEach(queue, (item) => Effect.sync(() => log.push(`got ${item}`)))
            )
            yield* tick
            yield* queue.put("a")
            log.push("put a") // before the getter resumes: wake-ups are not inline
            yield* queue.put("b")
            log.push("put b")
            yield* queue.put("c") // waits for room (maxsize 1)
            log.push("put c")
            yield* queue.join()
            yield* queue.shutdown()
            yield* consumer
            for (const n of [1, 2, 3]) yield* stack.put(n)
            yield* jobs.put([2, "two"])
            yield* jobs.put([1, "one"])
            return {
              log,
              lifo: yield* stack.get(),
              first: yield* jobs.get(),
              kinds: [queue.kind, stack.kind, jobs.kind]
            }
          })
        )
        assert.deepStrictEqual(value, {
          log: ["put a", "got a", "put b", "got b", "put c", "got c"],
          lifo: 3,
          first: [1, "one"],
          kinds: ["Queue", "LifoQueue", "PriorityQueue"]
        })
      })
  )
})
