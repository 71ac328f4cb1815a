/**
 * The effect-asyncio side of the differential harness: runs a {@link Program} on the library's public API, on
 * `Testing.virtualClock` (virtual time: the clock jumps from timer to timer, waking same-instant timers together
 * as asyncio's loop does; what `Testing.runVirtual` runs on), inside a loop scope (`Loop.scoped`, what `run` installs), and returns its
 * transcript. `asyncio_interpreter.py` is the same interpreter on CPython; the two must stay statement for
 * statement alike.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Testing from "@effect-asyncio/core/Testing"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import { TestClock } from "effect/testing"
import type { Block, Line, Program, Stmt, Target, Transcript } from "./program.ts"

/** The error of the language's `raise` statement (Python: `class Err(Exception)`). */
export class Err extends Data.TaggedError("Err")<{ readonly msg: string }> {}

// ---------------------------------------------------------------------------------------------------------
// Formatting values as the Python side does (`fmt` in asyncio_interpreter.py)
// ---------------------------------------------------------------------------------------------------------

const pyString = (s: string): string => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s}'`)

const hasTag = (u: unknown): u is { readonly _tag: string } =>
  typeof u === "object" && u !== null && typeof (u as { _tag?: unknown })._tag === "string"

/** The transcript's rendering of a value or error. */
export const fmt = (v: unknown): string => {
  if (v === undefined || v === null) return "None"
  if (v === true) return "True"
  if (v === false) return "False"
  if (typeof v === "string") return pyString(v)
  if (typeof v === "number") return String(v)
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`
  if (v instanceof Err) return `Err(${pyString(v.msg)})`
  if (v instanceof asyncio.CancelledError) {
    const message = v.cancelMessage
    return message === undefined ? "CancelledError()" : `CancelledError(${fmt(message)})`
  }
  if (v instanceof asyncio.ExceptionGroup) return `ExceptionGroup[${v.exceptions.map(fmt).join(", ")}]`
  if (v instanceof asyncio.Defect) return fmt(v.defect)
  if (hasTag(v)) return `${v._tag}()`
  if (v instanceof Error) return `${v.name}()`
  return String(v)
}

/** The error asyncio would see in `cause` (first typed failure, else first defect), or `undefined`. */
const errorOf = (cause: Cause.Cause<unknown>): { readonly error: unknown } | undefined => {
  let defect: { readonly error: unknown } | undefined
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail") return { error: reason.error }
    if (reason._tag === "Die" && defect === undefined) defect = { error: reason.defect }
  }
  return defect
}

const cancelText = (cause: Cause.Cause<unknown>): string => {
  const message = asyncio.cancelledErrorOf(cause)?.cancelMessage
  return message === undefined || message === null ? "cancelled()" : `cancelled(${fmt(message)})`
}

// ---------------------------------------------------------------------------------------------------------
// The interpreter
// ---------------------------------------------------------------------------------------------------------

interface Ctx {
  readonly label: string
  readonly scope?: asyncio.Timeout.Timeout | undefined
  readonly group?: asyncio.TaskGroup.TaskGroup | undefined
}

type AnyTask = asyncio.Task<unknown, unknown>
type Run = Effect.Effect<void, unknown>

class Interpreter {
  readonly lines: Array<Line> = []
  closed = false
  readonly handles = new Map<string, AnyTask>()
  private readonly instances = new Map<string, number>()
  readonly counters: Array<number>

  readonly clock: Clock.Clock
  readonly start: number
  /** Made by main's task when it starts (a queue wakes its getters through its creator's dispatcher). */
  queues: ReadonlyArray<asyncio.Queue.Queue<number>> = []
  readonly locks: ReadonlyArray<asyncio.Lock.Lock>
  readonly events: ReadonlyArray<asyncio.Event.Event>
  readonly conds: ReadonlyArray<asyncio.Condition.Condition>
  readonly sems: ReadonlyArray<asyncio.Semaphore.Semaphore>
  readonly barriers: ReadonlyArray<asyncio.Barrier.Barrier>

  constructor(clock: Clock.Clock, program: Program) {
    this.clock = clock
    this.start = clock.currentTimeMillisUnsafe()
    const n = <A>(count: number, f: () => A): Array<A> => Array.from({ length: count }, f)
    this.locks = n(program.locks, asyncio.Lock.makeUnsafe)
    this.events = n(program.events, asyncio.Event.makeUnsafe)
    this.conds = n(program.conds, () => asyncio.Condition.makeUnsafe())
    this.sems = program.sems.map((v) => asyncio.Semaphore.makeUnsafe(v))
    this.barriers = program.barriers.map((parties) => asyncio.Barrier.makeUnsafe(parties))
    this.counters = n(program.counters, () => 0)
  }

  now(): number {
    return Math.round((this.clock.currentTimeMillisUnsafe() - this.start) * 1000) / 1e6
  }

  rec(label: string, event: string): void {
    if (!this.closed) this.lines.push([this.now(), label, event])
  }

  recEffect(label: string, event: string): Effect.Effect<void> {
    return Effect.sync(() => this.rec(label, event))
  }

  instance(name: string): string {
    const n = (this.instances.get(name) ?? 0) + 1
    this.instances.set(name, n)
    return n === 1 ? name : `${name}#${n}`
  }

  /** A task's or coroutine's body: prints start, its statements, and how it ended; its value is its label. */
  body(label: string, block: Block, ctx: Ctx): Effect.Effect<string, unknown> {
    return Effect.suspend(() => {
      this.rec(label, "start")
      return this.block(block, { ...ctx, label })
    }).pipe(
      Effect.onExit((exit) =>
        Effect.sync(() => {
          if (exit._tag === "Success") return this.rec(label, "return")
          const error = errorOf(exit.cause)
          this.rec(label, error === undefined ? cancelText(exit.cause) : `raised ${fmt(error.error)}`)
        })
      ),
      Effect.as(label)
    )
  }

  spawn(name: string, block: Block, ctx: Ctx): Effect.Effect<AnyTask> {
    return Effect.suspend(() => {
      const label = this.instance(name)
      return Effect.map(asyncio.createTask(this.body(label, block, ctx), { name: label }), (task) => {
        this.handles.set(name, task)
        return task
      })
    })
  }

  /** An awaitable argument; `undefined` for a handle that does not exist (yet). */
  target(t: Target, ctx: Ctx): Effect.Effect<Effect.Effect<unknown, unknown> | undefined> {
    switch (t.kind) {
      case "ref":
        return Effect.sync(() => this.handles.get(t.ref))
      case "coro":
        return Effect.sync(() => this.body(this.instance(t.name), t.body, ctx))
      case "task":
        return this.spawn(t.name, t.body, ctx)
    }
  }

  targets(items: ReadonlyArray<Target>, ctx: Ctx): Effect.Effect<Array<Effect.Effect<unknown, unknown>>> {
    return Effect.map(
      Effect.forEach(items, (t) => this.target(t, ctx)),
      (aws) => aws.filter((aw) => aw !== undefined)
    )
  }

  block(block: Block, ctx: Ctx): Run {
    return Effect.forEach(block, (s) => this.stmt(s, ctx), { discard: true })
  }

  stmt(s: Stmt, ctx: Ctx): Run {
    const self = this
    const label = ctx.label
    const rec = (event: string) => self.recEffect(label, event)
    switch (s.op) {
      case "print":
        return rec(s.text)
      case "sleep":
        return asyncio.sleep(s.d)
      case "spawn":
        return Effect.asVoid(this.spawn(s.name, s.body, ctx))
      case "await":
        return Effect.suspend(() => {
          const task = this.handles.get(s.ref)
          if (task === undefined) return rec(`await ${s.ref} -> missing`)
          return Effect.flatMap(task, (v) => rec(`await ${s.ref} -> ${fmt(v)}`))
        })
      case "cancel":
        return Effect.suspend(() => {
          const task = this.handles.get(s.ref)
          if (task === undefined) return rec(`cancel ${s.ref} -> missing`)
          return Effect.flatMap(task.cancel(s.msg ?? undefined), (r) => rec(`cancel ${s.ref} -> ${fmt(r)}`))
        })
      case "raise":
        return Effect.fail(new Err({ msg: s.msg }))
      case "try":
        return Effect.catchCause(this.block(s.body, ctx), (cause) => {
          const error = errorOf(cause)
          if (error === undefined) return Effect.failCause(cause)
          return Effect.andThen(rec(`caught ${fmt(error.error)}`), this.block(s.handler, ctx))
        })
      case "finally":
        return Effect.ensuring(this.block(s.body, ctx), Effect.orDie(this.block(s.cleanup, ctx)))
      case "onCancel": {
        const handled = Effect.onExit(this.block(s.body, ctx), (exit) =>
          exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause)
            ? Effect.orDie(
                Effect.andThen(rec(`caught ${cancelText(exit.cause)}`), this.block(s.handler, ctx))
              )
            : Effect.void
        )
        if (!s.swallow) return handled
        return Effect.catchCause(handled, (cause) =>
          Cause.hasInterruptsOnly(cause) ? rec("swallowed") : Effect.failCause(cause)
        )
      }
      case "gather":
        return Effect.gen(function* () {
          const aws = yield* self.targets(s.items, ctx)
          const results = yield* asyncio.gatherAll(aws, { returnExceptions: s.returnExceptions })
          yield* rec(`gather -> ${fmt(results)}`)
        })
      case "asCompleted":
        return Effect.gen(function* () {
          const aws = yield* self.targets(s.items, ctx)
          const iterator = yield* asyncio.asCompleted(aws, { timeout: s.timeout })
          for (const next of iterator) {
            const exit = yield* Effect.exit(next)
            if (exit._tag === "Success") {
              yield* rec(`next -> ${fmt(exit.value)}`)
              continue
            }
            const error = errorOf(exit.cause)
            if (error === undefined) return yield* Effect.failCause(exit.cause)
            yield* rec(`next raised ${fmt(error.error)}`)
          }
        })
      case "wait":
        return Effect.gen(function* () {
          const tasks = s.refs.flatMap((ref) => {
            const task = self.handles.get(ref)
            return task === undefined ? [] : [task]
          })
          if (tasks.length === 0) return yield* rec("wait -> nothing")
          const { done, pending } = yield* asyncio.wait(tasks, {
            returnWhen: s.returnWhen,
            timeout: s.timeout
          })
          const names = (set: Set<AnyTask>) => [...new Set([...set].map((t) => t.name))].sort().join(", ")
          yield* rec(`wait -> done=[${names(done)}] pending=[${names(pending)}]`)
        })
      case "waitFor":
        return Effect.gen(function* () {
          const aw = yield* self.target(s.item, ctx)
          if (aw === undefined) return yield* rec("waitFor -> missing")
          const v = yield* asyncio.waitFor(aw, s.timeout)
          yield* rec(`waitFor -> ${fmt(v)}`)
        })
      case "timeout":
        return Effect.gen(function* () {
          const now = yield* asyncio.Timeout.time
          const scope = s.at
            ? yield* asyncio.Timeout.makeAt(s.delay === null ? null : now + s.delay)
            : yield* asyncio.Timeout.make(s.delay)
          yield* asyncio.Timeout.enterScope(scope, () => self.block(s.body, { ...ctx, scope }))
          yield* rec(`timeout exit expired=${fmt(yield* scope.expired())}`)
        })
      case "reschedule":
        return Effect.gen(function* () {
          const now = yield* asyncio.Timeout.time
          yield* ctx.scope!.reschedule(s.delay === null ? null : now + s.delay)
        })
      case "shield":
        return Effect.gen(function* () {
          const aw = yield* self.target(s.item, ctx)
          if (aw === undefined) return yield* rec("shield -> missing")
          const v = yield* asyncio.shield(aw)
          yield* rec(`shield -> ${fmt(v)}`)
        })
      case "taskGroup":
        return Effect.andThen(
          asyncio.TaskGroup.run((group) => self.block(s.body, { ...ctx, group })),
          rec("taskGroup exit")
        )
      case "tgSpawn":
        return Effect.suspend(() => {
          const name = this.instance(s.name)
          return Effect.map(ctx.group!.createTask(this.body(name, s.body, ctx), { name }), (task) => {
            this.handles.set(s.name, task)
          })
        })
      case "tgCancel":
        return ctx.group!.cancel()
      case "put": {
        const q = this.queues[s.q]
        return Effect.andThen(s.nowait ? q.putNowait(s.item) : q.put(s.item), rec(`put ${s.item}`))
      }
      case "get": {
        const q = this.queues[s.q]
        return Effect.flatMap(s.nowait ? q.getNowait() : q.get(), (v) => rec(`got ${fmt(v)}`))
      }
      case "taskDone":
        return this.queues[s.q].taskDone()
      case "join":
        return Effect.andThen(this.queues[s.q].join(), rec(`joined Q${s.q}`))
      case "shutdown":
        return this.queues[s.q].shutdown(s.immediate)
      case "withLock":
        return this.locks[s.lock].withLock(
          Effect.andThen(rec(`acquired L${s.lock}`), this.block(s.body, ctx))
        )
      case "set":
        return this.events[s.event].set()
      case "clear":
        return this.events[s.event].clear()
      case "waitEvent":
        return Effect.andThen(this.events[s.event].wait(), rec(`event E${s.event}`))
      case "withCond":
        return this.conds[s.cond].withLock(
          Effect.andThen(rec(`acquired C${s.cond}`), this.block(s.body, ctx))
        )
      case "condWait":
        return Effect.andThen(this.conds[s.cond].wait(), rec(`notified C${s.cond}`))
      case "notify":
        return s.n === 0 ? this.conds[s.cond].notifyAll() : this.conds[s.cond].notify(s.n)
      case "condWaitFor":
        return Effect.andThen(
          this.conds[s.cond].waitFor(() => this.counters[s.counter] >= s.value),
          rec(`waited C${s.cond}`)
        )
      case "incr":
        return Effect.sync(() => {
          this.counters[s.counter]++
        })
      case "show":
        return Effect.suspend(() => rec(`x${s.counter} = ${this.counters[s.counter]}`))
      case "withSem":
        return this.sems[s.sem].withPermit(Effect.andThen(rec(`acquired S${s.sem}`), this.block(s.body, ctx)))
      case "barrierWait":
        return Effect.flatMap(this.barriers[s.barrier].wait(), (i) => rec(`barrier B${s.barrier} -> ${i}`))
      case "barrierAbort":
        return this.barriers[s.barrier].abort()
      case "barrierReset":
        return this.barriers[s.barrier].reset()
      case "loop":
        return Effect.repeat(this.block(s.body, ctx), { times: s.times - 1 })
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Running a program on virtual time
// ---------------------------------------------------------------------------------------------------------

/** Options of {@link runProgram}. */
export interface RunOptions {
  /**
   * Run under `Debug.debug` and add one `never retrieved <task>` line per "Task exception was never retrieved"
   * report, as the Python side does when the tasks are garbage-collected.
   */
  readonly retrieval?: boolean | undefined
  /** Virtual seconds after which a program that has not ended is declared deadlocked (default 1000). */
  readonly limit?: number | undefined
  /**
   * Effect's preemption budget (`Scheduler.MaxOpsBeforeYield`, 2048 by default): a fiber is made to yield after
   * that many operations. For experiments (`npm run fuzz:python -- --max-ops N`): no class needed it so far.
   */
  readonly maxOpsBeforeYield?: number | undefined
}

/** Lets every ready fiber run until it suspends (a bounded number of scheduler turns). */
const settle: Effect.Effect<void> = Effect.repeat(Effect.yieldNow, { times: 64 })

const makeQueues = (program: Program): Effect.Effect<Array<asyncio.Queue.Queue<number>>> =>
  Effect.forEach(program.queues, (q) =>
    q.kind === "Queue"
      ? asyncio.Queue.make<number>(q.maxsize)
      : q.kind === "LifoQueue"
        ? asyncio.Queue.makeLifo<number>(q.maxsize)
        : asyncio.Queue.makePriority<number>(q.maxsize)
  )

/**
 * Runs `program` on a fresh virtual clock (`Testing.virtualClock`: asyncio's rule for same-instant timers) and
 * returns its transcript.
 *
 * Deadlock: when nothing can run and no timer is left while main is running, main is cancelled (message
 * `"deadlock"`) at the instant of the last timer, as the Python side does; a second deadlock ends the run. To know
 * that instant, the program sees the virtual clock through a `Clock` that notes when each sleep wakes up.
 */
export const runEffect = (program: Program, options?: RunOptions): Effect.Effect<Transcript> =>
  Effect.gen(function* () {
    const testClock = yield* TestClock.testClockWith(Effect.succeed)
    let lastWake = testClock.currentTimeMillisUnsafe()
    const clock: Clock.Clock = {
      ...testClock,
      sleep: (duration) =>
        Effect.andThen(
          testClock.sleep(duration),
          Effect.sync(() => {
            lastWake = Math.max(lastWake, testClock.currentTimeMillisUnsafe())
          })
        )
    }
    // effect's TestClock starts its "time is not advancing" warning fiber, in an interruptible region, on the first
    // sleep; if that sleep is in a finalizer of an interrupted fiber, the finalizer is cut short. Prime the clock
    // outside any finalizer (as `primeTestClock` in test/utils/virtual.ts does).
    yield* Fiber.interrupt(yield* Effect.forkChild(Effect.sleep("1 millis"), { startImmediately: true }))
    const it = new Interpreter(clock, program)
    const never: Array<string> = []
    let mainTask: asyncio.Task<unknown, unknown> | undefined
    const body = Effect.gen(function* () {
      mainTask = yield* asyncio.currentTask
      it.queues = yield* makeQueues(program)
      return yield* it.body("main", program.main, { label: "main" })
    })
    const main = asyncio.Loop.scoped(body, {
      mainName: "main",
      onShutdownError: (name, error) =>
        it.recEffect("run", `shutdown error ${name.replace(/^Task-\d+$/, "Task-?")}: ${fmt(error)}`)
    })
    const observed =
      options?.retrieval === true
        ? asyncio.Debug.debug(main, {
            slowCallbackDuration: 1e9,
            onWarning: (warning) => {
              if (warning._tag === "NeverRetrieved") never.push(warning.task.name)
            }
          })
        : main
    let clockFiber: Fiber.Fiber<void> | undefined
    let finished = false
    // Detached: after a deadlock the program is abandoned, not awaited (its clean-up may wait forever).
    const fiber = yield* Effect.forkDetach(
      Effect.provideService(
        Effect.onExit(observed, () =>
          Effect.sync(() => {
            finished = true
            clockFiber?.interruptUnsafe()
          })
        ),
        Clock.Clock,
        clock
      )
    )
    yield* settle
    let broken = false
    while (!finished) {
      clockFiber = yield* Effect.forkChild(testClock.adjust(`${options?.limit ?? 1000} seconds`))
      yield* Fiber.await(clockFiber)
      yield* settle
      if (finished) break
      const task = mainTask
      if (broken || task === undefined || (yield* task.done())) {
        it.lines.push([null, "-", "deadlock"])
        it.closed = true
        fiber.interruptUnsafe()
        return it.lines
      }
      broken = true
      yield* testClock.setTime(lastWake)
      it.rec("-", "deadlock: main cancelled")
      yield* task.cancel("deadlock")
      yield* settle
    }
    it.closed = true
    // Tasks the library names itself (`Task-<n>`, from a process-wide counter) are told apart by nothing stable.
    const names = never.map((name) => name.replace(/^Task-\d+$/, "Task-?")).sort()
    for (const name of names) it.lines.push([null, "-", `never retrieved ${name}`])
    return it.lines
  }).pipe(
    options?.maxOpsBeforeYield === undefined
      ? (effect) => effect
      : Effect.provideService(Scheduler.MaxOpsBeforeYield, options.maxOpsBeforeYield),
    Effect.provide(Testing.virtualClock)
  )

/** {@link runEffect} as a promise. */
export const runProgram = (program: Program, options?: RunOptions): Promise<Transcript> =>
  Effect.runPromise(runEffect(program, options))
