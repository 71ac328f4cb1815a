/**
 * Property tests of the queue invariants (issue 4, §5), with `@fast-check/vitest`:
 *
 * - no item is lost or duplicated under random cancellations of blocked getters and putters: every `put` that
 *   completed is got exactly once (or discarded by `shutdown(true)`), a cancelled `put` delivers nothing, and
 *   every `get` returns the item the reference model says — the oldest (Queue), newest (LifoQueue) or lowest,
 *   oldest among equals (PriorityQueue);
 * - blocked getters and putters are served in arrival order, whatever is cancelled in between (no barging);
 * - the unfinished-task counter follows puts, `taskDone` and `shutdown(true)`, and `join` returns exactly when
 *   it reached zero at some point after the call.
 *
 * Each run is a random script executed by one driver task on virtual time: it spawns getter/putter tasks,
 * makes non-blocking calls, cancels tasks and lets ticks pass. Cancelling right after a `put`/`get` hits the
 * window where a waiter was woken but has not resumed yet.
 */
import * as asyncio from "@effect-asyncio/core"
import { fc, test } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scheduler from "effect/Scheduler"
import { TestClock } from "effect/testing"
import { assert, describe } from "vitest"
import { defectTag, isInterrupted } from "./utils/exits.ts"
import { settle } from "./utils/virtual.ts"

const { Queue } = asyncio

const tick = asyncio.sleep(0)

/**
 * Runs `main` in a loop scope with a fresh `TestClock` and returns its value. The scripts wait only on ticks and
 * on each other, never on timers, so they run to completion without advancing the clock (`runVirtual`'s fixed
 * settle budget is too small for scripts of 60 steps); the `TestClock` guarantees nothing waits on real time.
 */
const run = <A, E>(main: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(Effect.provide(asyncio.Loop.scoped(main), TestClock.layer()))

/**
 * `run` without preemption: Effect normally lets a fiber run 2048 operations and then yields between any two of
 * them, even between a queue call and the code recording its outcome. The properties that replay a recorded
 * order need each step of the script to be atomic, as Python's code between two awaits is, so they raise the
 * budget out of reach; preemption gets its own property below.
 */
const runAtomic = <A, E>(main: Effect.Effect<A, E>): Promise<A> =>
  run(Effect.provideService(main, Scheduler.MaxOpsBeforeYield, Number.MAX_SAFE_INTEGER))

interface Item {
  readonly p: number
  readonly id: number
}

type Kind = "Queue" | "PriorityQueue" | "LifoQueue"

const makeQueue = (kind: Kind, maxsize: number): Effect.Effect<asyncio.Queue.Queue<Item>> =>
  kind === "Queue"
    ? Queue.make<Item>(maxsize)
    : kind === "LifoQueue"
      ? Queue.makeLifo<Item>(maxsize)
      : Queue.makePriority<Item>(maxsize, (a, b) => a.p - b.p)

/** The reference model: which item a `get` must return from `items` (kept in insertion order). */
const takeFromModel = (kind: Kind, items: Array<Item>): Item | undefined => {
  if (items.length === 0) return undefined
  if (kind === "Queue") return items.shift()
  if (kind === "LifoQueue") return items.pop()
  let best = 0
  for (let i = 1; i < items.length; i++) if (items[i].p < items[best].p) best = i
  return items.splice(best, 1)[0]
}

// ---------------------------------------------------------------------------------------------------------
// No loss, no duplication, order, under random cancellations
// ---------------------------------------------------------------------------------------------------------

type Op =
  | { readonly _tag: "spawnPut"; readonly p: number }
  | { readonly _tag: "spawnGet" }
  | { readonly _tag: "putNowait"; readonly p: number }
  | { readonly _tag: "getNowait" }
  | { readonly _tag: "cancel"; readonly k: number }
  | { readonly _tag: "tick" }
  | { readonly _tag: "shutdown"; readonly immediate: boolean }

const priority = fc.integer({ min: 0, max: 3 })

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: priority.map((p): Op => ({ _tag: "spawnPut", p })) },
  { weight: 4, arbitrary: fc.constant<Op>({ _tag: "spawnGet" }) },
  { weight: 2, arbitrary: priority.map((p): Op => ({ _tag: "putNowait", p })) },
  { weight: 2, arbitrary: fc.constant<Op>({ _tag: "getNowait" }) },
  { weight: 4, arbitrary: fc.nat().map((k): Op => ({ _tag: "cancel", k })) },
  { weight: 4, arbitrary: fc.constant<Op>({ _tag: "tick" }) },
  { weight: 1, arbitrary: fc.boolean().map((immediate): Op => ({ _tag: "shutdown", immediate })) }
)

type Event =
  | { readonly _tag: "put"; readonly item: Item }
  | { readonly _tag: "get"; readonly item: Item }
  | { readonly _tag: "clear" }

const kindArb = fc.constantFrom<Kind>("Queue", "PriorityQueue", "LifoQueue")

describe("Queue properties", () => {
  test.prop([kindArb, fc.integer({ min: -1, max: 3 }), fc.array(opArb, { maxLength: 60 })], { numRuns: 300 })(
    "no item is lost or duplicated under random cancellations, and gets follow the queue's order",
    async (kind, maxsize, ops) => {
      const { log, stats, cancelledPuts, stuck, settled } = await runAtomic(
        Effect.gen(function* () {
          const q = yield* makeQueue(kind, maxsize)
          const log: Array<Event> = []
          const tasks: Array<asyncio.Task<void>> = []
          // Puts that ended interrupted: their items must never come out of the queue.
          const cancelledPuts = new Set<Item>()
          let nextId = 0
          for (const op of ops) {
            switch (op._tag) {
              case "spawnPut": {
                const item = { p: op.p, id: nextId++ }
                const put = Effect.onExit(q.put(item), (exit) =>
                  Effect.sync(() => {
                    if (Exit.isSuccess(exit)) log.push({ _tag: "put", item })
                    else if (isInterrupted(exit)) cancelledPuts.add(item)
                  })
                )
                tasks.push(yield* asyncio.createTask(Effect.ignore(put)))
                break
              }
              case "spawnGet": {
                const get = Effect.onExit(q.get(), (exit) =>
                  Effect.sync(() => {
                    if (Exit.isSuccess(exit)) log.push({ _tag: "get", item: exit.value })
                  })
                )
                tasks.push(yield* asyncio.createTask(Effect.ignore(get)))
                break
              }
              case "putNowait": {
                const item = { p: op.p, id: nextId++ }
                const exit = yield* Effect.exit(q.putNowait(item))
                if (Exit.isSuccess(exit)) log.push({ _tag: "put", item })
                break
              }
              case "getNowait": {
                const exit = yield* Effect.exit(q.getNowait())
                if (Exit.isSuccess(exit)) log.push({ _tag: "get", item: exit.value })
                break
              }
              case "cancel":
                if (tasks.length > 0) yield* tasks[op.k % tasks.length].cancel()
                break
              case "tick":
                yield* tick
                break
              case "shutdown":
                yield* q.shutdown(op.immediate)
                if (op.immediate) log.push({ _tag: "clear" })
                break
            }
          }
          // Let everything that can finish finish. Then nobody may wait while what it waits for is there
          // (a wake-up was lost otherwise). Cancel the rest and drain what is left.
          yield* settle
          const settled = yield* q.statistics()
          const stuck =
            (settled.gettersWaiting > 0 && settled.qsize > 0) ||
            (settled.puttersWaiting > 0 && (maxsize <= 0 || settled.qsize < maxsize))
          for (const task of tasks) yield* task.cancel()
          yield* settle
          while (true) {
            const exit = yield* Effect.exit(q.getNowait())
            if (Exit.isFailure(exit)) break
            log.push({ _tag: "get", item: exit.value })
          }
          return { log, stats: yield* q.statistics(), cancelledPuts, stuck, settled }
        })
      )
      assert.isFalse(stuck, `a waiter is stuck although it could proceed: ${JSON.stringify(settled)}`)

      // Replay the log against the reference model.
      let model: Array<Item> = []
      let unfinished = 0
      const delivered = new Set<Item>()
      for (const event of log) {
        switch (event._tag) {
          case "put":
            assert.isFalse(cancelledPuts.has(event.item), "a cancelled put delivered its item")
            model.push(event.item)
            unfinished++
            break
          case "get": {
            const expected = takeFromModel(kind, model)
            assert.strictEqual(event.item, expected, `${kind}: get returned the wrong item`)
            assert.isFalse(delivered.has(event.item), "an item was delivered twice")
            delivered.add(event.item)
            break
          }
          case "clear":
            unfinished -= Math.min(unfinished, model.length)
            model = []
            break
        }
      }
      assert.deepStrictEqual(model, [], "items were lost: put, never got, not discarded")
      assert.strictEqual(stats.qsize, 0)
      assert.strictEqual(stats.gettersWaiting, 0)
      assert.strictEqual(stats.puttersWaiting, 0)
      assert.strictEqual(stats.unfinishedTasks, unfinished)
    }
  )

  test.prop(
    [
      kindArb,
      fc.integer({ min: -1, max: 3 }),
      fc.array(opArb, { maxLength: 40 }),
      fc.constantFrom(3, 4, 5, 8, 13)
    ],
    { numRuns: 150, timeout: 5000 }
  )(
    "when fibers are preempted every few operations, no waiter is stuck and no item is duplicated",
    async (kind, maxsize, ops, maxOps) => {
      // A tiny op budget makes Effect yield between almost any two steps, e.g. between a call's fast-path check
      // and the parking of its waiter, or while an interrupted fiber unwinds (so its canceller runs late);
      // budgets below 3 stop Effect itself from making progress. A fiber may then also be interrupted right after
      // a `put`/`get` did its work, so outcomes seen from outside are not exact: this checks what the queue
      // alone guarantees — nobody is left waiting for what is there, nothing comes out twice or out of nowhere.
      const created = new Set<Item>()
      const { got, stuck, settled } = await run(
        Effect.gen(function* () {
          const q = yield* makeQueue(kind, maxsize)
          const got: Array<Item> = []
          const tasks: Array<asyncio.Task<void>> = []
          let nextId = 0
          for (const op of ops) {
            switch (op._tag) {
              case "spawnPut":
              case "putNowait": {
                const item = { p: op.p, id: nextId++ }
                created.add(item)
                const put = op._tag === "spawnPut" ? q.put(item) : q.putNowait(item)
                tasks.push(yield* asyncio.createTask(Effect.ignore(put)))
                break
              }
              case "spawnGet":
              case "getNowait": {
                const get = Effect.tap(op._tag === "spawnGet" ? q.get() : q.getNowait(), (item) =>
                  Effect.sync(() => got.push(item))
                )
                tasks.push(yield* asyncio.createTask(Effect.ignore(get)))
                break
              }
              case "cancel":
                if (tasks.length > 0) yield* tasks[op.k % tasks.length].cancel()
                break
              case "tick":
                yield* tick
                break
              case "shutdown":
                yield* q.shutdown(op.immediate)
                break
            }
          }
          for (let i = 0; i < 4; i++) yield* settle
          const settled = yield* q.statistics()
          const stuck =
            (settled.gettersWaiting > 0 && settled.qsize > 0) ||
            (settled.puttersWaiting > 0 && (maxsize <= 0 || settled.qsize < maxsize))
          for (const task of tasks) yield* task.cancel()
          for (let i = 0; i < 4; i++) yield* settle
          while (true) {
            const exit = yield* Effect.exit(q.getNowait())
            if (Exit.isFailure(exit)) break
            got.push(exit.value)
          }
          const final = yield* q.statistics()
          assert.deepStrictEqual(
            [final.qsize, final.gettersWaiting, final.puttersWaiting],
            [0, 0, 0],
            "waiters or items left after everything was cancelled and drained"
          )
          return { got, stuck, settled }
        }).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, maxOps))
      )
      assert.isFalse(stuck, `a waiter is stuck although it could proceed: ${JSON.stringify(settled)}`)
      assert.strictEqual(new Set(got).size, got.length, "an item was delivered twice")
      for (const item of got) assert.isTrue(created.has(item), "an item came out of nowhere")
    }
  )

  // -------------------------------------------------------------------------------------------------------
  // FIFO among waiters
  // -------------------------------------------------------------------------------------------------------

  test.prop(
    [
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 10 }),
      fc.array(fc.record({ at: fc.nat({ max: 10 }), k: fc.nat() }), { maxLength: 6 }),
      fc.boolean()
    ],
    { numRuns: 300 }
  )(
    "blocked getters are served in arrival order, whatever is cancelled in between; no wake-up is lost",
    async (n, m, cancels, ticks) => {
      const { outcomes, left } = await runAtomic(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>()
          // outcomes[i]: the item getter i got, "cancelled", or undefined while it is still waiting
          const outcomes: Array<number | "cancelled" | undefined> = Array.from({ length: n }, () => undefined)
          const getters: Array<asyncio.Task<unknown, unknown>> = []
          for (let i = 0; i < n; i++) {
            const get = Effect.onExit(q.get(), (exit) =>
              Effect.sync(() => {
                outcomes[i] = Exit.isSuccess(exit) ? exit.value : "cancelled"
              })
            )
            getters.push(yield* asyncio.createTask(get))
          }
          yield* tick
          // Put item `i` at step `i` (m items); cancel getters at the steps chosen, before the put or after the last.
          const steps = Math.max(n, m)
          for (let step = 0; step <= steps; step++) {
            for (const c of cancels) if (c.at === step) yield* getters[c.k % n].cancel()
            if (step < m) yield* q.putNowait(step)
            if (ticks) yield* tick
          }
          yield* settle
          const left: Array<number> = []
          while (!(yield* q.empty())) left.push(yield* q.getNowait())
          const atEnd = [...outcomes]
          for (const getter of getters) yield* getter.cancel()
          return { outcomes: atEnd, left }
        })
      )
      // The getters that were served got 0, 1, 2, … in arrival order; the rest is left in the queue.
      const served = outcomes.filter((o): o is number => typeof o === "number")
      assert.deepStrictEqual(
        served,
        Array.from({ length: served.length }, (_, j) => j)
      )
      assert.deepStrictEqual(
        left,
        Array.from({ length: m - served.length }, (_, j) => served.length + j)
      )
      // A getter still waiting at the end means no item was left for it.
      if (outcomes.includes(undefined))
        assert.deepStrictEqual(left, [], "a getter waits while items are left")
      // Served getters come before any getter that was still waiting (arrival order).
      const firstWaiting = outcomes.indexOf(undefined)
      if (firstWaiting >= 0) {
        assert.isTrue(
          outcomes.slice(firstWaiting).every((o) => typeof o !== "number"),
          "a later getter was served before an earlier one"
        )
      }
    }
  )

  test.prop(
    [
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.record({ at: fc.nat({ max: 8 }), k: fc.nat() }), { maxLength: 6 }),
      fc.boolean()
    ],
    { numRuns: 200 }
  )(
    "blocked putters are served in arrival order; a cancelled putter delivers nothing",
    async (n, cancels, ticks) => {
      const { got, outcomes } = await runAtomic(
        Effect.gen(function* () {
          const q = yield* Queue.make<number>(1)
          yield* q.putNowait(-1)
          // outcomes[i]: whether putter i's put completed ("put") or was cancelled; undefined while waiting
          const outcomes: Array<"put" | "cancelled" | undefined> = Array.from({ length: n }, () => undefined)
          const putters: Array<asyncio.Task<unknown, unknown>> = []
          for (let i = 0; i < n; i++) {
            const put = Effect.onExit(q.put(i), (exit) =>
              Effect.sync(() => {
                outcomes[i] = Exit.isSuccess(exit) ? "put" : "cancelled"
              })
            )
            putters.push(yield* asyncio.createTask(put))
          }
          yield* tick
          const got: Array<number> = []
          for (let step = 0; step <= n; step++) {
            const exit = yield* Effect.exit(q.getNowait())
            if (Exit.isSuccess(exit)) got.push(exit.value)
            for (const c of cancels) if (c.at === step) yield* putters[c.k % n].cancel()
            yield* ticks ? tick : settle
          }
          // Drain, letting the putters still in line take each freed slot (a putter left waiting with a free
          // slot, a lost wake-up, shows as an unfinished outcome).
          for (let idle = 0; idle < 3; ) {
            const exit = yield* Effect.exit(q.getNowait())
            if (Exit.isSuccess(exit)) {
              got.push(exit.value)
              idle = 0
              continue
            }
            yield* settle
            idle++
          }
          const atEnd = [...outcomes]
          for (const putter of putters) yield* putter.cancel()
          return { got, outcomes: atEnd }
        })
      )
      assert.notInclude(outcomes, undefined, "every put completed or was cancelled")
      const completed = outcomes.flatMap((o, i) => (o === "put" ? [i] : []))
      assert.deepStrictEqual(
        got,
        [-1, ...completed],
        "completed puts arrive in arrival order, cancelled ones never"
      )
    }
  )

  // -------------------------------------------------------------------------------------------------------
  // The unfinished-task counter and join
  // -------------------------------------------------------------------------------------------------------

  type CounterOp =
    | { readonly _tag: "putNowait" }
    | { readonly _tag: "getNowait" }
    | { readonly _tag: "taskDone" }
    | { readonly _tag: "join" }
    | { readonly _tag: "cancelJoin"; readonly k: number }
    | { readonly _tag: "tick" }
    | { readonly _tag: "shutdown"; readonly immediate: boolean }

  const counterOpArb: fc.Arbitrary<CounterOp> = fc.oneof(
    { weight: 4, arbitrary: fc.constant<CounterOp>({ _tag: "putNowait" }) },
    { weight: 3, arbitrary: fc.constant<CounterOp>({ _tag: "getNowait" }) },
    { weight: 4, arbitrary: fc.constant<CounterOp>({ _tag: "taskDone" }) },
    { weight: 2, arbitrary: fc.constant<CounterOp>({ _tag: "join" }) },
    { weight: 1, arbitrary: fc.nat().map((k): CounterOp => ({ _tag: "cancelJoin", k })) },
    { weight: 3, arbitrary: fc.constant<CounterOp>({ _tag: "tick" }) },
    { weight: 1, arbitrary: fc.boolean().map((immediate): CounterOp => ({ _tag: "shutdown", immediate })) }
  )

  test.prop([kindArb, fc.array(counterOpArb, { maxLength: 60 })], { numRuns: 300 })(
    "the unfinished counter follows puts, taskDone and shutdown(true); join returns exactly when it reached 0",
    async (kind, ops) => {
      const failures = await runAtomic(
        Effect.gen(function* () {
          const q = yield* makeQueue(kind, 0)
          const failures: Array<string> = []
          let unfinished = 0
          // history[i]: the counter after i operations
          const history: Array<number> = [0]
          const joiners: Array<{ task: asyncio.Task<void> | undefined; start: number; cancelled: boolean }> =
            []
          let nextId = 0
          for (const [index, op] of ops.entries()) {
            switch (op._tag) {
              case "putNowait": {
                const exit = yield* Effect.exit(q.putNowait({ p: 0, id: nextId++ }))
                if (Exit.isSuccess(exit)) unfinished++
                break
              }
              case "getNowait":
                yield* Effect.exit(q.getNowait())
                break
              case "taskDone": {
                const exit = yield* Effect.exit(q.taskDone())
                if (unfinished === 0) {
                  if (defectTag(exit) !== "ValueError")
                    failures.push(`op ${index}: taskDone at 0 did not die`)
                } else if (Exit.isSuccess(exit)) {
                  unfinished--
                } else {
                  failures.push(`op ${index}: taskDone failed with ${unfinished} unfinished`)
                }
                break
              }
              case "join": {
                const joiner: { task: asyncio.Task<void> | undefined; start: number; cancelled: boolean } = {
                  task: undefined,
                  start: -1,
                  cancelled: false
                }
                joiner.task = yield* asyncio.createTask(
                  Effect.andThen(
                    Effect.sync(() => {
                      joiner.start = history.length - 1
                    }),
                    q.join()
                  )
                )
                joiners.push(joiner)
                break
              }
              case "cancelJoin":
                if (joiners.length > 0) {
                  const joiner = joiners[op.k % joiners.length]
                  if (yield* joiner.task!.cancel()) joiner.cancelled = true
                }
                break
              case "tick":
                yield* tick
                break
              case "shutdown": {
                const before = (yield* q.statistics()).qsize
                yield* q.shutdown(op.immediate)
                if (op.immediate) unfinished -= Math.min(unfinished, before)
                break
              }
            }
            const actual = (yield* q.statistics()).unfinishedTasks
            if (actual !== unfinished)
              failures.push(`op ${index} (${op._tag}): counter ${actual}, model ${unfinished}`)
            history.push(unfinished)
          }
          yield* settle
          for (const [i, joiner] of joiners.entries()) {
            if (joiner.cancelled) continue
            const released = joiner.start >= 0 && history.slice(joiner.start).some((u) => u === 0)
            const done = yield* joiner.task!.done()
            if (done !== released)
              failures.push(`joiner ${i} (started after op ${joiner.start}): done=${done}`)
          }
          return failures
        })
      )
      assert.deepStrictEqual(failures, [])
    }
  )
})
