/**
 * The classes of differences between CPython's transcripts and ours (docs/differential.md). Each class has an
 * id, a verdict — a fidelity bug still to fix, a difference our model forbids (documented in
 * docs/semantics.md), or an artefact of CPython that is not behaviour to copy — and a classifier that says
 * whether a first divergence is explained by it. A divergence no classifier accepts is *unexplained*: a new class
 * to find (`npm run fuzz:python -- --shrink` reduces it to a minimal program).
 */
import { type Divergence, firstDivergence, sameLine } from "./compare.ts"
import type { Block, Line, Program, Stmt, Transcript } from "./program.ts"
import { childBlocks, statements } from "./program.ts"
import type { Knob } from "./python.ts"

/** Everything a classifier may look at. */
export interface Case {
  readonly program: Program
  readonly python: Transcript
  readonly ts: Transcript
  readonly divergence: Divergence
  /** The Python transcript under each counterfactual knob (see asyncio_interpreter.py), where it was run. */
  readonly knobs: Readonly<Partial<Record<Knob, Transcript>>>
}

export type Verdict =
  /** Our behaviour is wrong: the fix step must make these programs print Python's transcript. */
  | "bug"
  /** Our model forbids Python's behaviour (cancellation is interruption; ownership is structured). */
  | "model"
  /** Python's behaviour here is an accident of CPython's implementation, not semantics to copy. */
  | "python"

export interface DifferenceClass {
  readonly id: string
  readonly title: string
  readonly verdict: Verdict
  /** The docs/semantics.md row that documents it, if any; for bugs, "to fix". */
  readonly row: string
  /** Why it happens: the mechanism in the library or in Effect's scheduler (docs/differential.md). */
  readonly cause: string

  explains(c: Case): boolean
}

// ---------------------------------------------------------------------------------------------------------
// Helpers over transcripts and programs
// ---------------------------------------------------------------------------------------------------------

/** The base name of a label (`t3#2` → `t3`). */
export const baseName = (label: string): string => label.replace(/#\d+$/, "")

const lineAt = (t: Transcript, i: number): Line | undefined => t[i]

/** The event without its cancellation message: `cancelled('m')` → `cancelled(…)`. */
const withoutMessage = (event: string): string =>
  event
    .replace(/CancelledError\(('[^']*')?\)/g, "CancelledError(…)")
    .replace(/cancelled\(('[^']*')?\)/g, "cancelled(…)")

/** Whether `line` occurs in `t` at index `from` or later. */
const occursFrom = (t: Transcript, from: number, line: Line): boolean => {
  for (let i = from; i < t.length; i++) if (sameLine(t[i], line)) return true
  return false
}

/** The TypeScript line at the divergence is printed by Python too, later: ours came early. */
const tsEarly = (c: Case): boolean =>
  c.divergence.ts !== undefined && occursFrom(c.python, c.divergence.index + 1, c.divergence.ts)

/** {@link tsEarly}, ignoring cancellation messages (which CPython drops where we keep them). */
const tsEarlyModuloMessage = (c: Case): boolean => {
  const ts = c.divergence.ts
  if (ts === undefined) return false
  return c.python
    .slice(c.divergence.index + 1)
    .some((l) => l[0] === ts[0] && l[1] === ts[1] && withoutMessage(l[2]) === withoutMessage(ts[2]))
}

/** The Python line at the divergence is printed by us too, later: ours came late. */
const tsLate = (c: Case): boolean =>
  c.divergence.python !== undefined && occursFrom(c.ts, c.divergence.index + 1, c.divergence.python)

/**
 * Whether the knob's transcript agrees with ours beyond the original divergence — or there differs from ours only
 * in a cancellation message CPython drops (class cancel-message-kept).
 */
const knobExplains = (c: Case, name: Knob): boolean => {
  const knob = c.knobs[name]
  if (knob === undefined) return false
  const d = firstDivergence(knob, c.ts)
  if (d === undefined || d.index > c.divergence.index) return true
  const k = d.python
  const ts = d.ts
  if (d.index === c.divergence.index && k !== undefined && ts !== undefined) {
    if (k[0] === ts[0] && k[1] === ts[1] && withoutMessage(k[2]) === withoutMessage(ts[2])) return true
  }
  // The knob changed CPython's transcript there (at or before the original divergence), and what is left is
  // explained by a structural class: the two causes together. (Knob classifiers cannot explain `knobCase`: it
  // has no knob runs of its own.)
  const original = c.python[d.index]
  const changed = k === undefined ? original !== undefined : original === undefined || !sameLine(k, original)
  const knobCase: Case = { ...c, python: knob, divergence: d, knobs: {} }
  return changed && classes.some((other) => other.explains(knobCase))
}

/** A line printed by a queue operation (or its error). */
const queueEvent = /^(got |put |joined Q|(raised|caught) Queue(ShutDown|Full|Empty)\(\))/

/** Whether the inline coroutine `name` is an argument of a `gather` (which starts it at once). */
const gatherCoroutine = (program: Program, name: string): boolean => {
  const found = creation(program, name)
  return (
    found !== undefined &&
    found.stmt.op === "gather" &&
    found.stmt.items.some((t) => t.kind === "coro" && t.name === name)
  )
}

/** The line index where `main` ended (`return`, `raised`, `cancelled`), or -1. */
const mainEnd = (t: Transcript): number =>
  t.findIndex(
    ([, label, event]) =>
      label === "main" &&
      (event === "return" || event.startsWith("raised ") || event.startsWith("cancelled("))
  )

interface Found {
  readonly stmt: Stmt
  /** The statements enclosing it, outermost first, up to the task body that contains it. */
  readonly enclosing: ReadonlyArray<Stmt>
}

/** Where the task or coroutine `name` is created (a spawn, tgSpawn or inline target), with what encloses it. */
const creation = (program: Program, name: string): Found | undefined => {
  const visit = (block: Block, enclosing: ReadonlyArray<Stmt>): Found | undefined => {
    for (const s of block) {
      const own =
        ((s.op === "spawn" || s.op === "tgSpawn") && s.name === name) ||
        ((s.op === "gather" || s.op === "asCompleted") &&
          s.items.some((t) => t.kind !== "ref" && t.name === name)) ||
        ((s.op === "waitFor" || s.op === "shield") && s.item.kind !== "ref" && s.item.name === name)
      if (own) return { stmt: s, enclosing }
      for (const b of childBlocks(s)) {
        const found = visit(b, [...enclosing, s])
        if (found !== undefined) return found
      }
    }
    return undefined
  }
  return visit(program.main, [])
}

/** The statements that run the user's code on a helper fiber of the calling task. */
const helperFiberOps = new Set<Stmt["op"]>(["timeout", "taskGroup", "waitFor"])

/** Whether `name` is created by code running on a helper fiber (a timeout or task group body, waitFor). */
const createdOnHelperFiber = (program: Program, name: string): boolean => {
  const found = creation(program, name)
  if (found === undefined) return false
  // Only the enclosing statements of the same task count: stop at the innermost task body.
  let inner: Array<Stmt> = []
  for (const s of found.enclosing) {
    if (s.op === "spawn" || s.op === "tgSpawn") inner = []
    else inner.push(s)
  }
  if (found.stmt.op === "tgSpawn") return true
  if (found.stmt.op === "waitFor") return true
  return inner.some((s) => helperFiberOps.has(s.op))
}

/**
 * CPython's line at the divergence is the start of a task created on a helper fiber (a timeout or TaskGroup body):
 * `dispatcher-order` — that task's start waits for its own dispatcher's turn, behind the creating task's batch —
 * which the fixed classes below must leave to it.
 */
const helperTaskStartsFirst = (c: Case): boolean => {
  const py = c.divergence.python
  return py?.[2] === "start" && createdOnHelperFiber(c.program, baseName(py[1]))
}

const alwaysSuspends = new Set<Stmt["op"]>([
  "sleep",
  "gather",
  "asCompleted",
  "wait",
  "waitFor",
  "shield",
  "barrierWait",
  "condWait"
])

/** Whether some timeout body calls `reschedule` before its first statement that surely suspends. */
const reschedulesBeforeSuspending = (program: Program): boolean => {
  /** Walks `block` in order: "found" at a reschedule, "blocked" at a statement that may suspend. */
  const walk = (block: Block): "found" | "blocked" | "none" => {
    for (const s of block) {
      if (s.op === "reschedule") return "found"
      if (s.op === "spawn" || s.op === "tgSpawn") continue
      // Statements that always suspend; the others (a get on a non-empty queue, a join with nothing left) may not.
      if (alwaysSuspends.has(s.op)) return "blocked"
      for (const b of childBlocks(s)) {
        const r = walk(b)
        if (r !== "none") return r
      }
    }
    return "none"
  }
  return statements(program.main).some((s) => s.op === "timeout" && walk(s.body) === "found")
}

/** The statements of the body that runs as `label` (main, a task or a coroutine), not those of tasks it starts. */
const ownStatements = (program: Program, label: string): Array<Stmt> => {
  const name = baseName(label)
  const own = (block: Block): Array<Stmt> =>
    block.flatMap((s) => [s, ...(s.op === "spawn" || s.op === "tgSpawn" ? [] : childBlocks(s).flatMap(own))])
  if (name === "main") return own(program.main)
  const found = creation(program, name)
  if (found === undefined) return []
  const s = found.stmt
  if (s.op === "spawn" || s.op === "tgSpawn") return own(s.body)
  const targets =
    s.op === "gather" || s.op === "asCompleted"
      ? s.items
      : s.op === "waitFor" || s.op === "shield"
        ? [s.item]
        : []
  const target = targets.find((t) => t.kind !== "ref" && t.name === name)
  return target === undefined || target.kind === "ref" ? [] : own(target.body)
}

/** Whether the body running as `label` cancels a task or its task group. */
const cancels = (program: Program, label: string): boolean =>
  ownStatements(program, label).some((s) => s.op === "cancel" || s.op === "tgCancel")

/** Statements that may block (wait for another task or for time). */
const blockingOps = new Set<Stmt["op"]>([
  "sleep",
  "await",
  "gather",
  "asCompleted",
  "wait",
  "waitFor",
  "shield",
  "taskGroup",
  "put",
  "get",
  "join",
  "withLock",
  "waitEvent",
  "withCond",
  "condWait",
  "condWaitFor",
  "withSem",
  "barrierWait",
  "barrierAbort",
  "barrierReset"
])

const blocks = (block: Block): boolean =>
  block.some(
    (s) => blockingOps.has(s.op) || (s.op !== "spawn" && s.op !== "tgSpawn" && childBlocks(s).some(blocks))
  )

/** Whether a `finally` clean-up or an `except CancelledError` handler of the program may block. */
const hasBlockingCleanup = (program: Program): boolean =>
  statements(program.main).some(
    (s) => (s.op === "finally" && blocks(s.cleanup)) || (s.op === "onCancel" && blocks(s.handler))
  )

/** Whether the program has a deadline (a timeout scope, waitFor, or asCompleted with a timeout). */
const hasDeadline = (program: Program): boolean =>
  statements(program.main).some(
    (s) =>
      (s.op === "timeout" && s.delay !== null) ||
      s.op === "waitFor" ||
      s.op === "reschedule" ||
      (s.op === "asCompleted" && s.timeout !== null)
  )

/** Whether the program has a `waitFor` on a task (created in place or an existing one), not on a coroutine. */
const waitsForTask = (program: Program): boolean =>
  statements(program.main).some((s) => s.op === "waitFor" && s.item.kind !== "coro")

const eventOf = (line: Line | undefined): string => (line === undefined ? "" : line[2])

// ---------------------------------------------------------------------------------------------------------
// The classes, most specific first
// ---------------------------------------------------------------------------------------------------------

export const classes: ReadonlyArray<DifferenceClass> = [
  {
    id: "false-never-retrieved",
    title:
      'Debug mode reports "Task exception was never retrieved" for a task that fails in the loop\'s last turn',
    verdict: "bug",
    row: "to fix (O3)",
    cause:
      "Through `shield`, `cancel()` of a finished task and `waitFor(finishedTask, ≤0)` this is fixed (issue 11: one `markRetrieved` for every path that hands an outcome over). What remains: a task that fails during the turn the loop scope lets pass before its shutdown (asyncio.run's last iteration) is reported by CPython's shutdown as an error of the run; here it is already done when the shutdown looks, so nobody retrieves it and debug mode reports it as never retrieved.",
    explains: (c) => {
      const ts = c.divergence.ts
      return (
        ts !== undefined &&
        ts[0] === null &&
        ts[2].startsWith("never retrieved ") &&
        !c.python.some((l) => l[0] === null && l[2] === ts[2])
      )
    }
  },
  {
    id: "swallow",
    title: "A task catches its own CancelledError and carries on",
    verdict: "model",
    row: "C1",
    cause:
      "CPython lets `except CancelledError:` return normally. Cancellation is Effect interruption here: the handler runs as a finalizer and the interruption goes on. (A cancellation that *came out of* an awaited task is not our own interruption and is caught as in CPython.)",
    explains: (c) => eventOf(c.divergence.python) === "swallowed"
  },
  {
    id: "cancel-message-kept",
    title:
      "A cancellation keeps its message where CPython loses it (shield, gather(return_exceptions=True), …)",
    verdict: "model",
    row: "C5",
    cause:
      "Our cancellation reasons travel with the interruption; CPython re-creates `CancelledError` without the message in several places: `shield`'s outer future, `gather(return_exceptions=True)` results (`CancelledError('')`), a `TaskGroup` aborting its children.",
    explains: (c) => {
      const py = c.divergence.python
      const ts = c.divergence.ts
      if (py === undefined || ts === undefined || py[0] !== ts[0] || py[1] !== ts[1]) return false
      // Python's side has no message (or ''), ours has one; everything else is equal.
      const bare = (e: string) =>
        e
          .replace(/CancelledError\(('[^']*')?\)/g, "CancelledError(…)")
          .replace(/cancelled\(('[^']*')?\)/g, "cancelled(…)")
      const pyBare = /CancelledError\((''|)\)|cancelled\(\)/.test(py[2])
      return pyBare && py[2] !== ts[2] && bare(py[2]) === bare(ts[2])
    }
  },
  {
    id: "heap-order",
    title: "Timers due at the same instant: CPython's heap releases four or more in a scrambled order",
    verdict: "python",
    row: "new",
    cause:
      "asyncio's timer heap (`heapq`) is not stable: four or more timers due at the same instant fire in an order that follows the heap's shape, not the order they were set. With ties broken in scheduling order (knob `fifo`) CPython agrees with us.",
    explains: (c) => knobExplains(c, "fifo")
  },
  {
    id: "cancel-at-once",
    title:
      "cancel() delivers at once: the task's clean-up runs inside the cancel() call; a second cancel() is False",
    verdict: "model",
    row: "C4",
    cause:
      "`task.cancel()` interrupts a suspended fiber at once (Effect delivers interruption synchronously): the task's clean-up, and what its end sets off, run inside the `cancel()` call; a task cancelled before it started is done when `cancel()` returns (a second `cancel()` is `false`, awaiting it does not suspend). CPython records the request and delivers it on a later loop iteration.",
    explains: (c) => {
      const py = eventOf(c.divergence.python)
      const ts = c.divergence.ts
      const m = /^cancel (\S+) -> True$/.exec(py)
      if (
        m !== null &&
        (eventOf(ts) === `cancel ${m[1]} -> False` ||
          tsEarlyModuloMessage(c) ||
          (ts !== undefined && baseName(ts[1]) === m[1]))
      ) {
        return true
      }
      // The task that called cancel() at this instant carries on at once where CPython lets other work run
      // first (the task it cancelled is already done: awaiting it does not suspend).
      const at = c.divergence.python?.[0]
      for (let i = c.divergence.index - 1; i >= 0 && c.python[i][0] === at; i--) {
        const cancel = /^cancel (\S+) -> True$/.exec(c.python[i][2])
        if (cancel !== null) {
          if (ts !== undefined && (ts[1] === c.python[i][1] || baseName(ts[1]) === cancel[1])) return true
          break
        }
      }
      // Indirectly: asyncio with cancelled tasks stepping first (and finished tasks waking first) agrees.
      return knobExplains(c, "now") && !knobExplains(c, "eager")
    }
  },
  {
    id: "self-cancel-lands-at-once",
    title:
      "A task's cancellation of itself (tg.cancel() in the body, t.cancel() of itself) lands at its next step",
    verdict: "model",
    row: "C9",
    cause:
      "A task's cancellation of itself is an interrupt of the running fiber, which lands at its next effect step: the statements after `tg.cancel()` in the body (or after a task cancels itself) that would not suspend do not run, where CPython runs them up to the next real suspension.",
    explains: (c) => knobExplains(c, "selfcancel")
  },
  {
    id: "deadline-registered-late",
    title: "A timeout/waitFor deadline ranks after sleeps due at the same instant that started after it",
    verdict: "bug",
    row: "to fix",
    cause:
      "Before the cancel scope (issue 11) a timeout scope's timer was a forked fiber whose sleep was registered a scheduler turn late, after sleeps that started meanwhile, so the deadline lost same-instant ties; the deadline is now armed when the scope is entered, and issue 12 §3's program no longer shows it. The classifier (CPython run with the deadline set one step late, knob `late`, agrees with us) still takes programs whose deadline effect comes late for other reasons: a deadline that expires during uninterruptible clean-up (S13), and `waitFor(task)`, which subscribes to its task's end only when it expires, so the task's other awaiters resume first (CPython's `wait_for` adds its done callback at entry). Recorded 2026-12-06: 41 of 10,000 programs. The recorded minimal program (seed 333, which met `gather-starts-at-once` first until that was fixed) is the `waitFor(task)` case: the task's cancellation resumes a `shield` of it first, and CPython's `TimeoutError` comes second here.",
    explains: (c) => {
      if (knobExplains(c, "late") || (knobExplains(c, "lateSettle") && !knobExplains(c, "settle")))
        return true
      const py = c.divergence.python
      const ts = c.divergence.ts
      if (py === undefined || ts === undefined || py[0] !== ts[0] || py[0] === null) return false
      if (!c.program.main.length || !hasDeadline(c.program)) return false
      // CPython handles the deadline first: its consequence (a cancellation, the TimeoutError) comes before a
      // line we print first, of a task woken at the same instant.
      const consequence = (e: string) => e === "cancelled()" || e.includes("TimeoutError()")
      if (consequence(py[2]) && !consequence(ts[2])) return true
      // `waitFor(task)` subscribes to the task's end only when it expires: another awaiter of the cancelled task (a
      // shield, a gather) ends cancelled first here, where CPython's waitFor raises its TimeoutError first.
      return py[2].includes("TimeoutError()") && ts[2] === "cancelled()" && waitsForTask(c.program)
    }
  },
  {
    id: "cancel-at-once-nested",
    title:
      "cancel() delivers at once (nested): what the cancellation sets off (a group exits, an awaiter resumes) runs inside the cancel() call",
    verdict: "model",
    row: "C4",
    cause:
      "The same cause as `cancel-at-once`, seen from elsewhere: what a cancellation sets off (a task group exits, an awaiter resumes, a gather's other child finishes) runs nested inside the cancelling call, before the cancelling task goes on.",
    explains: (c) => {
      // The task that called cancel() (or tg.cancel()) goes on in CPython, while ours has already run what the
      // cancellation set off inside that call.
      const py = c.divergence.python
      const ts = c.divergence.ts
      if (py === undefined || ts === undefined) return false
      // (The cancelling task has run here before the divergence: a task that has not started cancelled nothing.)
      const ranHere = c.ts.slice(0, c.divergence.index).some((l) => l[1] === py[1])
      if (py[1] !== ts[1] && cancels(c.program, py[1]) && ranHere && tsEarly(c)) return true
      // A task that CPython cancels at this instant goes on with ours: what another task's cancellation set off
      // (a task it awaited ended) resumed it before its own cancellation was even requested.
      const cancelledHere = c.python
        .slice(0, c.divergence.index)
        .some(
          ([at, , e]) => at === py[0] && (/^cancel \S+ -> True$/.test(e) || e === "deadlock: main cancelled")
        )
      return (
        py[1] === ts[1] && py[2].startsWith("cancelled(") && !ts[2].startsWith("cancelled(") && cancelledHere
      )
    }
  },
  {
    id: "cancelled-gather-waits-for-all",
    title:
      "A cancelled gather releases its awaiter after every child has finished (CPython: after the first)",
    verdict: "model",
    row: "G2",
    cause:
      "A cancelled fail-fast gather releases its awaiter only after every child has finished its clean-up (finalizers always run, nothing outlives its owner); CPython's awaiter gets `CancelledError` as soon as the first child ends cancelled.",
    explains: (c) => {
      const ts = c.divergence.ts
      const py = c.divergence.python
      if (
        ts === undefined ||
        py === undefined ||
        !statements(c.program.main).some((s) => s.op === "gather")
      ) {
        return false
      }
      // CPython's awaiter ends (cancelled) while a child is still finishing; ours ends after it.
      return (
        py[2].startsWith("cancelled(") &&
        /^(cancelled\(|raised |return$|wait -> |await |gather -> )/.test(ts[2]) &&
        c.ts
          .slice(c.divergence.index + 1)
          .some((l) => l[1] === py[1] && withoutMessage(l[2]) === withoutMessage(py[2]))
      )
    }
  },
  {
    id: "scope-blind-before-first-suspension",
    title:
      "A timeout scope ignores what its body does before first suspending: reschedule() to the past is lost, and an entry-time expiry fires even if rescheduled",
    verdict: "bug",
    row: "to fix",
    cause:
      "`Timeout.enter` forks the body with `startImmediately` and only then records the body fiber: until the body first suspends `scope.body` is undefined. A `reschedule()` to the past in that window calls `expire()`, which returns without doing anything; and an entry-time expiry (`timeout(0)`) is decided at entry and fires at the body's first suspension even if the body moved the deadline. (`TaskGroup.run` has the same window: `tg.cancel()` there lands only at the body's first suspension.)",
    explains: (c) => {
      const py = eventOf(c.divergence.python)
      const ts = eventOf(c.divergence.ts)
      const related = /TimeoutError|RuntimeError|timeout exit|cancelled\(|deadlock/
      return (related.test(py) || related.test(ts)) && reschedulesBeforeSuspending(c.program)
    }
  },
  {
    id: "reschedule-to-past-at-once",
    title:
      "reschedule() to a time already past expires at the body's next step (CPython: next loop iteration)",
    verdict: "bug",
    row: "to fix",
    cause:
      "`Timeout.schedule` expires at once when the new deadline is not in the future, so the body is interrupted at its next step; asyncio calls the timeout callback with `call_soon`, an iteration later, and a body that finishes without suspending again is not interrupted.",
    explains: (c) => {
      const related = /TimeoutError|timeout exit|cancelled\(|return$/
      return (
        (related.test(eventOf(c.divergence.python)) || related.test(eventOf(c.divergence.ts))) &&
        statements(c.program.main).some((s) => s.op === "reschedule" && s.delay !== null && s.delay <= 0)
      )
    }
  },
  {
    id: "cancelled-awaiter-requeued",
    title: "A cancelled awaiter waits for the awaited task's end behind the task's other awaiters",
    verdict: "bug",
    row: "to fix (1 of 10,000 programs since the wake fix, T1: the cancelled awaiter now hears of the task's end a turn later too, but behind the awaiters that subscribed before its cancellation)",
    cause:
      "When the fiber awaiting a task (`yield* task`) is cancelled, `awaitTask` cancels the task and waits for it with a new `Fiber.await`, registered after the task's other awaiters: when the task ends, they resume first. In CPython the cancelled awaiter stays subscribed where it was (its cancellation is forwarded through the same wait) and resumes in its original place.",
    explains: (c) => {
      const py = c.divergence.python
      const ts = c.divergence.ts
      const before = c.python[c.divergence.index - 1]
      if (py === undefined || ts === undefined || before === undefined || py[1] === ts[1]) return false
      if (!py[2].startsWith("cancelled(") || !tsEarlyModuloMessage(c)) return false
      const awaits = (label: string) =>
        ownStatements(c.program, label).some((s) => s.op === "await" && s.ref === baseName(before[1]))
      return /^(return$|raised |cancelled\()/.test(before[2]) && awaits(py[1]) && awaits(ts[1])
    }
  },
  {
    id: "cancelled-gather-loses-child-error",
    title:
      "The awaiter of a cancelled gather ends cancelled where CPython raises the error a child raised meanwhile",
    verdict: "bug",
    row: "to fix (G2)",
    cause:
      "When the fiber awaiting a gather is cancelled, the gather cancels and awaits its children but then ends with the interruption alone; CPython's awaiter receives the exception a child raised while being cancelled (`yield* task` already does this: `awaitTask`).",
    explains: (c) => {
      const py = c.divergence.python
      const ts = c.divergence.ts
      if (py === undefined || ts === undefined || py[1] !== ts[1] || !ts[2].startsWith("cancelled("))
        return false
      const m = /^(?:raised|caught) (.*)$/.exec(py[2])
      if (m === null || !statements(c.program.main).some((s) => s.op === "gather")) return false
      return c.python
        .slice(0, c.divergence.index)
        .some(([, label, e]) => label !== py[1] && e === `raised ${m[1]}`)
    }
  },
  {
    id: "cleanup-error-wins",
    title: "An error raised by clean-up does not replace the error being handled: the first error is kept",
    verdict: "model",
    row: "S13",
    cause:
      "Effect keeps every error in the cause, in order: an error raised by clean-up (`finally`, a failing await in it) comes after the one being handled, and asyncio's view of a cause (its first failure) is the original error. CPython's exception raised in `finally` replaces the one in flight.",
    explains: (c) => {
      if (!statements(c.program.main).some((s) => s.op === "finally" || s.op === "onCancel")) return false
      const py = c.divergence.python
      const ts = c.divergence.ts
      const ending = /^(raised |caught |next raised |cancelled\()/
      if (py === undefined || ts === undefined || !ending.test(ts[2])) return false
      if (py[1] === ts[1]) return py[0] === ts[0] && ending.test(py[2])
      // Ours ended earlier with another outcome; CPython's task of that name ends differently later.
      const end = /^(raised |cancelled\()/
      return (
        end.test(ts[2]) &&
        c.python
          .slice(c.divergence.index + 1)
          .some(([, label, event]) => label === ts[1] && end.test(event) && event !== ts[2])
      )
    }
  },
  {
    id: "cleanup-uninterruptible",
    title:
      "Clean-up code (finally, except CancelledError) cannot be interrupted: a blocked clean-up stays blocked",
    verdict: "model",
    row: "S13",
    cause:
      "Effect finalizers cannot be interrupted: a `finally` clause or `except CancelledError` handler that waits goes on waiting when the task is cancelled (again) or a deadline passes — possibly forever. CPython's clean-up is ordinary code, cancellable at every await.",
    explains: (c) => {
      if (!hasBlockingCleanup(c.program)) return false
      const ts = c.divergence.ts
      const py = c.divergence.python
      // The clean-up goes on (or stays blocked: a deadlock) where CPython's cancellation cut it short.
      if (ts?.[2].startsWith("deadlock")) return true
      if (py === undefined || ts === undefined) return false
      if (ts[0] !== null && py[0] !== null && ts[0] > py[0]) return true
      if (/^(cancelled\(|raised TimeoutError|caught TimeoutError|caught cancelled)/.test(py[2])) return true
      // CPython's task ended (its clean-up cut short) where ours goes on with it.
      const ending = /^(raised |cancelled\()/
      return py[1] === ts[1] && ending.test(py[2]) && !ending.test(ts[2])
    }
  },
  {
    id: "ready-at-main-end",
    title:
      "Tasks ready when main ends: the shutdown's cancellation meets them at another step than CPython's",
    verdict: "bug",
    row: "to fix (narrowed: issue 12 §4 fixed)",
    cause:
      "`asyncio.run` stops the loop after the iteration in which main completes, so everything scheduled before that callback takes its step, and leftovers are then cancelled inside their bodies. Until issue 12 §4 was fixed, `Loop.scoped` shut down as soon as main's fiber ended and such tasks were cancelled before their first step (931 of 10,000 random programs); the shutdown now lets one scheduler turn pass first (41 of 10,000 remain). What remains is a step that itself differs from CPython's: work woken within the turn resumes at once (`wake-at-once`). (Until `gather-starts-at-once` was fixed, a gather started in that step also started its children at once, so the shutdown's cancellation reached the children rather than the task.)",
    explains: (c) => {
      const end = mainEnd(c.python)
      if (end < 0 || end >= c.divergence.index || mainEnd(c.ts) !== end) return false
      const py = c.divergence.python
      return py !== undefined && py[0] === c.python[end][0]
    }
  },
  {
    id: "gather-starts-at-once",
    title: "gather starts its coroutine children at once, before tasks created earlier have started",
    verdict: "bug",
    row: "fixed (G3b: children created in order, first steps scheduled on the caller's dispatcher)",
    cause:
      "`gather` created its children with `startImmediately`: each ran until it first suspended before the caller suspended — ahead of tasks created earlier that had not started. asyncio's gather only schedules them (`ensure_future`: a `call_soon` per child, in argument order). The children's first steps are now scheduled on the caller's dispatcher, in argument order, behind what is already there (1,259 of 10,000 random programs before; the recorded minimal program, seed 10, prints CPython's transcript).",
    explains: (c) => {
      const ts = c.divergence.ts
      const py = c.divergence.python
      if (helperTaskStartsFirst(c)) return false
      return (
        ts !== undefined &&
        ts[2] === "start" &&
        gatherCoroutine(c.program, baseName(ts[1])) &&
        (tsEarly(c) || py === undefined || py[0] !== ts[0] || !c.python.some((l) => sameLine(l, ts)))
      )
    }
  },
  {
    id: "expiry-same-turn",
    title: "An expired deadline (timeout, waitFor, asCompleted) reaches the awaiting code in the same turn",
    verdict: "bug",
    row: "to fix",
    cause:
      "When a deadline fires the scope interrupts its body fiber, and the interruption, the body's end and the conversion to `TimeoutError` all happen synchronously (fiber observers), so the awaiting code sees `TimeoutError` in the same turn; a deadline already passed at entry (`timeout(0)`, `asCompleted(timeout=0)`) fires at once. asyncio needs loop iterations (the timer callback cancels the task, the task wakes an iteration later, …): other ready tasks and same-instant timers run first.",
    explains: (c) => {
      const ts = c.divergence.ts
      const py = c.divergence.python
      if (ts?.[2].includes("TimeoutError()") !== true) return false
      // Ours came early (CPython prints it later), or CPython's task did something else first at that instant.
      return (
        tsEarly(c) ||
        (py !== undefined && py[0] === ts[0] && !py[2].includes("TimeoutError()") && hasDeadline(c.program))
      )
    }
  },
  {
    id: "queue-wakes-batched",
    title: "Queue wake-ups run on the queue creator's dispatcher in per-queue batches, not in wake-up order",
    verdict: "bug",
    row: "fixed (one parking lot: a wake-up runs on the waker's dispatcher, in wake-up order)",
    cause:
      "A queue resumes the waiters it woke through the dispatcher of the fiber that *created the queue*, in one flush per queue: wake-ups on different queues, and other work the waking task scheduled, run grouped by queue instead of in the order they happened.",
    explains: (c) => {
      const ts = c.divergence.ts
      const py = c.divergence.python
      if (helperTaskStartsFirst(c)) return false
      return (
        ts !== undefined &&
        py !== undefined &&
        py[0] === ts[0] &&
        (queueEvent.test(ts[2]) || queueEvent.test(py[2])) &&
        c.program.queues.length > 0 &&
        (tsEarly(c) || tsLate(c))
      )
    }
  },
  {
    id: "woken-waiter-keeps-grant",
    title:
      "A woken waiter keeps what it was handed (lock, item, slot): a running task cannot take it first, as it can in CPython",
    verdict: "bug",
    row: "fixed for queues (issue 12 §2: a woken waiter re-checks when it runs)",
    cause:
      "A woken waiter keeps what it was handed until it runs (a queue item or slot is reserved for it; a condition's notified waiter re-takes the lock first): a task that is running meanwhile cannot take it. asyncio's woken waiter re-checks when it runs, and the running task gets the item (the lock) first — in a worker pool, the worker that just finished takes the next item. Q1 documents this only for `getNowait`/`putNowait`.",
    explains: (c) => {
      const py = c.divergence.python
      if (py === undefined || py[0] === null) return false
      if (!/^(barrier |acquired |notified |waited |got |put |joined Q|event )/.test(py[2])) return false
      // CPython's task went through at once; ours did not at that instant.
      return !c.ts.some((l) => sameLine(l, py))
    }
  },
  {
    id: "dispatcher-order",
    title:
      "Work scheduled from a helper fiber (timeout/TaskGroup body, waitFor) runs after work the task schedules later: each fiber has its own dispatcher queue",
    verdict: "bug",
    row: "to fix (narrowed by one ready queue per Loop.scoped, row L3: 31 of 10,000 before, 16 after)",
    cause:
      "Effect gives every fiber its own dispatcher queue, flushed by its own `setImmediate`: work scheduled from the helper fiber of a timeout or TaskGroup body or a `waitFor` (a task's start, a primitive's wake-up) runs in a batch of its own, after the batch of the task's own fiber — which the scope's timer fork already armed — and so after tasks created later. asyncio has a single FIFO ready queue.",
    explains: (c) => {
      const py = c.divergence.python
      const ts = c.divergence.ts
      if (py === undefined || ts === undefined || py[0] !== ts[0]) return false
      if (
        (py[2] === "start" && createdOnHelperFiber(c.program, baseName(py[1]))) ||
        (ts[2] === "start" && createdOnHelperFiber(c.program, baseName(ts[1])) && tsLate(c))
      ) {
        return true
      }
      // A start or a primitive's wake-up that CPython runs in another order, in a program that schedules work
      // from helper fibers.
      const scheduled = /^(start|barrier |event |acquired |notified |waited |got |put )/
      return (
        py[1] !== ts[1] &&
        (scheduled.test(py[2]) || scheduled.test(ts[2])) &&
        (tsEarly(c) || tsLate(c)) &&
        statements(c.program.main).some((s) => helperFiberOps.has(s.op))
      )
    }
  },
  {
    id: "clock-settles-each-timer",
    title: "TestClock wakes same-instant timers one at a time and lets each settle",
    verdict: "bug",
    row: "fixed (Testing.virtualClock wakes the timers due at one instant together, as asyncio's loop does; S12)",
    cause:
      "effect's `TestClock.adjust` wakes one sleeper, waits until everything it set off has suspended, then wakes the next — even when they are due at the same instant. asyncio moves every due timer to the ready queue in one iteration. The tests, the examples and this harness ran on that clock until `Testing.virtualClock` (what `runVirtual` runs on) replaced it; tried after the open classes, since what CPython prints with timers settled one at a time can also match a program that differs for another reason.",
    explains: (c) => knobExplains(c, "settle") && !knobExplains(c, "fifo")
  },
  {
    id: "wake-at-once",
    title: "What awaits a task resumes as soon as the task ends, before the work already ready",
    verdict: "bug",
    row: "narrowed to 1 of 10,000 programs (T1: done callbacks through call_soon, `internal/soon.ts`; 1,550 before); what is left, seed 6901: a task failing in the loop's last turn is reported as a shutdown error",
    cause:
      "A fiber's observers run synchronously when it ends, and `Effect.callback` resumes a waiter by evaluating it on the spot: whatever awaited a task (`yield* task`, `gather`, `wait`, `asCompleted`, `shield`, a TaskGroup's exit) resumed inside the finishing task's step, before the work already ready. asyncio schedules done callbacks with `call_soon`: the awaiter resumes an iteration later (two for `gather`, `wait`, `shield`, `as_completed` and a group's exit, whose done callback sets another future). With done callbacks run first (knob `eager`) CPython agreed with us. Fixed by issue 12's `callSoon`/`whenDone` (`internal/soon.ts`), which count the hops as CPython 3.11 does: 1,550 of 10,000 programs before; `--seeds 2000` met it first in 315 programs before the fix and in none after. Since the fix this classifier runs last but one: asyncio made eager also reconciles differences that other classes name (a gather's coroutine children starting at once, a cancelled gather waiting for its children, shutdown order), so it now only names what nothing else explains — a regression.",
    explains: (c) => knobExplains(c, "eager")
  },
  {
    id: "combined-scheduling",
    title: "Several scheduling classes at once",
    verdict: "bug",
    row: "fixed (not met since gather-starts-at-once, wake-at-once and clock-settles-each-timer were fixed: 0 of 10,000 programs)",
    cause:
      "No single knob explains the divergence, but asyncio changed in all those ways together (one timer at a time, done callbacks first, cancelled tasks first, deadlines set late, self-cancellation at the next step) agrees with us: several of the scheduling classes above meet in one program (typically `clock-settles-each-timer` with `wake-at-once`).",
    explains: (c) => knobExplains(c, "all")
  }
]

/** The first class that explains `c`, or `undefined`. */
export const classify = (c: Case): DifferenceClass | undefined => classes.find((k) => k.explains(c))

/** A class by id. */
export const classById = (id: string): DifferenceClass | undefined => classes.find((k) => k.id === id)

export { lineAt }
