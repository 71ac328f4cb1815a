/**
 * Effect's call style next to Python's: data-last forms for `effect.pipe(…)`, pipeable primitives and queues, a
 * task that prints like Python's `repr`, and an `asCompleted` iterator whose items are typed.
 */
import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Testing from "@effect-asyncio/core/Testing"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

class Boom extends Data.TaggedError("ValueError")<{ readonly message: string }> {}

/** `true` only for `any`: a type-level check that a type is precise. */
type IsAny<T> = 0 extends 1 & T ? true : false

/** Runs a test body on virtual time and fails the test with the body's failure. */
const virtual = <A, E>(body: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.flatMap(Testing.runVirtual(body), ({ exit }) => exit)

describe("data-last forms", () => {
  it.effect("waitFor(t) in a pipe: the same expiry, the same TimeoutError, as waitFor(aw, t)", () =>
    Effect.gen(function* () {
      const piped = yield* Testing.runVirtual(asyncio.sleep(10, "late").pipe(asyncio.waitFor(2)))
      const first = yield* Testing.runVirtual(asyncio.waitFor(asyncio.sleep(10, "late"), 2))
      assert.instanceOf(Testing.failureOf(piped.exit), asyncio.TimeoutError)
      assert.instanceOf(Testing.failureOf(first.exit), asyncio.TimeoutError)
      assert.deepStrictEqual([piped.elapsed, first.elapsed], [2, 2])
      const inTime = yield* Testing.runVirtual(asyncio.sleep(1, "early").pipe(asyncio.waitFor(2)))
      assert.deepStrictEqual(inTime, { exit: Exit.succeed("early"), elapsed: 1 })
    })
  )

  it.effect("timeout(d) and timeoutAt(when) in a pipe bound the piped effect; the options come second", () =>
    Effect.gen(function* () {
      const piped = yield* Testing.runVirtual(asyncio.sleep(10).pipe(asyncio.timeout(3, { name: "budget" })))
      const error = Testing.failureOf(piped.exit)
      assert.instanceOf(error, asyncio.TimeoutError)
      assert.strictEqual((error as asyncio.TimeoutError).message, "budget: the deadline expired")
      assert.strictEqual(piped.elapsed, 3)
      const at = yield* Testing.runVirtual(
        Effect.flatMap(asyncio.Timeout.time, (now) => asyncio.sleep(10).pipe(asyncio.timeoutAt(now + 4)))
      )
      assert.instanceOf(Testing.failureOf(at.exit), asyncio.TimeoutError)
      assert.strictEqual(at.elapsed, 4)
    })
  )

  it.effect(
    "timeout(d, effect): data-first, the body may be the effect itself (no scope handle needed)",
    () =>
      Effect.gen(function* () {
        const r = yield* Testing.runVirtual(asyncio.timeout(2, asyncio.sleep(1, "done")))
        assert.deepStrictEqual(r, { exit: Exit.succeed("done"), elapsed: 1 })
      })
  )

  it.effect("createTask({ name }) in a pipe names the task; Abort.createTask and withSignal pipe too", () =>
    virtual(
      Effect.gen(function* () {
        const task = yield* asyncio.sleep(1, "a").pipe(asyncio.createTask({ name: "piped" }))
        assert.strictEqual(task.name, "piped")
        assert.strictEqual(yield* task, "a")
        const controller = new AbortController()
        const signalled = yield* asyncio
          .sleep(10)
          .pipe(asyncio.Abort.createTask({ name: "stoppable", signal: controller.signal }))
        controller.abort("stop")
        assert.isTrue(Testing.isCancelled(yield* Effect.exit(signalled)))
        const aborted = AbortSignal.abort("already")
        const exit = yield* Effect.exit(asyncio.sleep(10).pipe(asyncio.Abort.withSignal(aborted)))
        assert.strictEqual(Testing.cancelReasonOf(exit)?.message, "already")
      })
    )
  )

  it.effect("catchCancelled(self, handler) data-first, as well as in a pipe", () =>
    virtual(
      Effect.gen(function* () {
        const task = yield* asyncio.createTask(asyncio.sleep(10))
        yield* asyncio.sleep(0)
        yield* task.cancel("enough")
        const caught = yield* asyncio.catchCancelled(task, (error) =>
          Effect.succeed(`caught: ${error.message}`)
        )
        assert.strictEqual(caught, "caught: enough")
      })
    )
  )

  it.effect(
    "Queue.forEach(f) in a pipe of the queue; Loop.scoped, Timeline.record and runVirtual with options",
    () =>
      Effect.gen(function* () {
        const seen: Array<number> = []
        const program = Effect.gen(function* () {
          const queue = yield* asyncio.Queue.make<number>()
          const record = (item: number) => Effect.sync(() => seen.push(item))
          const worker = yield* queue.pipe(
            asyncio.Queue.forEach(record),
            asyncio.createTask({ name: "worker" })
          )
          yield* queue.put(1)
          yield* queue.put(2)
          yield* queue.join()
          yield* queue.shutdown()
          yield* worker
          return (yield* asyncio.currentTask)?.name
        })
        const { exit } = yield* program.pipe(
          asyncio.Loop.scoped({ mainName: "main" }),
          asyncio.Timeline.record({ maxEvents: 100 }),
          Effect.map(([inner]) => inner),
          Effect.flatten,
          Testing.runVirtual({ limit: 10 })
        )
        assert.deepStrictEqual(exit, Exit.succeed("main"))
        assert.deepStrictEqual(seen, [1, 2])
      })
  )

  it.effect("a bad single argument goes data-first and is refused there, naming the call and the value", () =>
    Effect.gen(function* () {
      const misuse = (effect: unknown) => Effect.exit(effect as Effect.Effect<unknown, unknown>)
      const created = Testing.defectOf(yield* misuse(asyncio.createTask(42 as never)))
      assert.instanceOf(created, asyncio.TypeError)
      assert.include((created as asyncio.TypeError).message, "createTask")
      assert.include((created as asyncio.TypeError).message, "42")
      const bounded = Testing.defectOf(yield* misuse(asyncio.timeout(1, 42 as never)))
      assert.strictEqual(
        (bounded as asyncio.TypeError).message,
        "timeout: body must be an Effect or a function of the scope, got 42"
      )
    })
  )
})

describe("pipeable primitives and queues", () => {
  it.effect("Lock, Semaphore, BoundedSemaphore, Event, Condition, Barrier and Queue have .pipe", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const semaphore = yield* asyncio.Semaphore.make(2)
      const bounded = yield* asyncio.BoundedSemaphore.make(1)
      const event = yield* asyncio.Event.make()
      const condition = yield* asyncio.Condition.make()
      const barrier = yield* asyncio.Barrier.make(1)
      const queue = yield* asyncio.Queue.make<number>()
      const all = [lock, semaphore, bounded, event, condition, barrier, queue] as const
      for (const primitive of all) {
        assert.strictEqual(
          primitive.pipe((x) => x),
          primitive
        )
      }
      assert.isTrue(yield* event.pipe((e) => e.isSet()).pipe(Effect.map((set) => !set)))
    })
  )

  it.effect(
    "withPermit and withLock are bound: effect.pipe(sem.withPermit) holds a permit while it runs",
    () =>
      Effect.gen(function* () {
        const semaphore = yield* asyncio.Semaphore.make(1)
        const lock = yield* asyncio.Lock.make()
        const inside = yield* Effect.sync(() => semaphore.locked()).pipe(
          Effect.flatten,
          semaphore.withPermit,
          lock.withLock
        )
        assert.isTrue(inside)
        assert.isFalse(yield* semaphore.locked())
        assert.isFalse(yield* lock.locked())
      })
  )
})

describe("a task prints like Python's repr", () => {
  it.effect(
    "pending, cancelling, finished with a result or an exception, cancelled — String() and inspect()",
    () =>
      virtual(
        Effect.gen(function* () {
          const pending = yield* asyncio.createTask(asyncio.sleep(10), { name: "sleeper" })
          assert.strictEqual(String(pending), "<Task pending name='sleeper'>")
          assert.strictEqual(inspect(pending), "<Task pending name='sleeper'>")

          const stubborn = yield* asyncio.createTask(
            asyncio.sleep(10).pipe(Effect.onInterrupt(() => asyncio.sleep(1))),
            { name: "stubborn" }
          )
          yield* asyncio.sleep(0)
          yield* stubborn.cancel()
          assert.strictEqual(inspect(stubborn), "<Task cancelling name='stubborn'>")

          const done = yield* asyncio.createTask(Effect.succeed("it's done"), { name: "quick" })
          const failed = yield* asyncio.createTask(Effect.fail(new Boom({ message: "bad" })), {
            name: "broken"
          })
          yield* Effect.exit(asyncio.gather(done, failed))
          yield* pending.cancel()
          yield* Effect.exit(pending)
          yield* Effect.exit(stubborn)
          assert.strictEqual(inspect(done), "<Task finished name='quick' result='it\\'s done'>")
          assert.strictEqual(inspect(failed), "<Task finished name='broken' exception=ValueError('bad')>")
          assert.strictEqual(inspect(pending), "<Task cancelled name='sleeper'>")
          assert.strictEqual(
            inspect({ task: done }),
            "{ task: <Task finished name='quick' result='it\\'s done'> }"
          )
        })
      )
  )
})

describe("asCompleted's items are typed", () => {
  it.effect("next().value is an Effect of the inputs' union, not any; done gives undefined", () =>
    virtual(
      Effect.gen(function* () {
        const completed = yield* asyncio.asCompleted([asyncio.sleep(0.2, "slow"), asyncio.sleep(0.1, 42)])
        const first = completed.next()
        const precise: IsAny<typeof first.value> = false
        assert.isFalse(precise)
        const values: Array<string | number> = []
        for (const next of [first.value, completed.next().value]) {
          if (next !== undefined) values.push(yield* next)
        }
        assert.deepStrictEqual(values, [42, "slow"])
        const end = completed.next()
        assert.isTrue(end.done)
        assert.isUndefined(end.value)
      })
    )
  )
})
