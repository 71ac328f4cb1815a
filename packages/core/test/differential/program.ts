/**
 * The differential harness's program language (docs/differential.md): programs are data, not code, so that the
 * same program can be run by two interpreters — `interpret.ts` on effect-asyncio and `asyncio_interpreter.py` on
 * CPython's asyncio — generated at random (`generate.ts`) and shrunk (`shrink.ts`).
 *
 * A program declares its primitives (queues, locks, events, conditions, semaphores, barriers, integer counters)
 * and has a `main` block. Every task or coroutine body prints `start` when it starts and `return`,
 * `raised <error>` or `cancelled(<msg>)` when it ends; statements print what they observed (`await t1 -> 't1'`,
 * `got 3`, `gather -> […]`). A task's value is its label.
 */

/** Seconds. The generator only uses multiples of 0.5, which binary floating point represents exactly. */
export type Seconds = number

/** An awaitable argument: an existing task (by handle), a fresh coroutine, or a task created on the spot. */
export type Target =
  | { readonly kind: "ref"; readonly ref: string }
  | { readonly kind: "coro"; readonly name: string; readonly body: Block }
  | { readonly kind: "task"; readonly name: string; readonly body: Block }

export type ReturnWhen = "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED"

export type Stmt =
  | { readonly op: "print"; readonly text: string }
  | { readonly op: "sleep"; readonly d: Seconds }
  /** `createTask`; the task is stored under the handle `name` (a later spawn of the same name replaces it). */
  | { readonly op: "spawn"; readonly name: string; readonly body: Block }
  | { readonly op: "await"; readonly ref: string }
  | { readonly op: "cancel"; readonly ref: string; readonly msg: string | null }
  | { readonly op: "raise"; readonly msg: string }
  /** `try: body except Exception: handler` (TS: failures and defects, not cancellations). */
  | { readonly op: "try"; readonly body: Block; readonly handler: Block }
  | { readonly op: "finally"; readonly body: Block; readonly cleanup: Block }
  /** `try: body except CancelledError: handler; raise` — or, with `swallow`, carry on (model difference C1). */
  | { readonly op: "onCancel"; readonly body: Block; readonly handler: Block; readonly swallow: boolean }
  | { readonly op: "gather"; readonly items: ReadonlyArray<Target>; readonly returnExceptions: boolean }
  | { readonly op: "asCompleted"; readonly items: ReadonlyArray<Target>; readonly timeout: Seconds | null }
  | {
      readonly op: "wait"
      readonly refs: ReadonlyArray<string>
      readonly returnWhen: ReturnWhen
      readonly timeout: Seconds | null
    }
  | { readonly op: "waitFor"; readonly item: Target; readonly timeout: Seconds }
  /** `timeout(delay)` (or `timeoutAt(now + delay)` when `at`) around `body`. */
  | { readonly op: "timeout"; readonly delay: Seconds | null; readonly at: boolean; readonly body: Block }
  /** The innermost timeout scope's `reschedule(now + delay)` (`null`: no deadline). */
  | { readonly op: "reschedule"; readonly delay: Seconds | null }
  | { readonly op: "shield"; readonly item: Target }
  | { readonly op: "taskGroup"; readonly body: Block }
  /** `tg.createTask` on the innermost task group. */
  | { readonly op: "tgSpawn"; readonly name: string; readonly body: Block }
  | { readonly op: "tgCancel" }
  | { readonly op: "put"; readonly q: number; readonly item: number; readonly nowait: boolean }
  | { readonly op: "get"; readonly q: number; readonly nowait: boolean }
  | { readonly op: "taskDone"; readonly q: number }
  | { readonly op: "join"; readonly q: number }
  | { readonly op: "shutdown"; readonly q: number; readonly immediate: boolean }
  | { readonly op: "withLock"; readonly lock: number; readonly body: Block }
  | { readonly op: "set"; readonly event: number }
  | { readonly op: "clear"; readonly event: number }
  | { readonly op: "waitEvent"; readonly event: number }
  | { readonly op: "withCond"; readonly cond: number; readonly body: Block }
  | { readonly op: "condWait"; readonly cond: number }
  /** `notify(n)`; `n = 0` is `notifyAll()`. */
  | { readonly op: "notify"; readonly cond: number; readonly n: number }
  /** `cond.waitFor(() => counter >= value)`. */
  | { readonly op: "condWaitFor"; readonly cond: number; readonly counter: number; readonly value: number }
  | { readonly op: "incr"; readonly counter: number }
  | { readonly op: "show"; readonly counter: number }
  | { readonly op: "withSem"; readonly sem: number; readonly body: Block }
  | { readonly op: "barrierWait"; readonly barrier: number }
  | { readonly op: "barrierAbort"; readonly barrier: number }
  | { readonly op: "barrierReset"; readonly barrier: number }
  | { readonly op: "loop"; readonly times: number; readonly body: Block }

export type Block = ReadonlyArray<Stmt>

export type QueueKind = "Queue" | "PriorityQueue" | "LifoQueue"

export interface Program {
  readonly queues: ReadonlyArray<{ readonly kind: QueueKind; readonly maxsize: number }>
  readonly locks: number
  readonly events: number
  readonly conds: number
  readonly sems: ReadonlyArray<number>
  readonly barriers: ReadonlyArray<number>
  readonly counters: number
  readonly main: Block
}

/** One transcript line: virtual seconds since the start (`null`: no instant), the body's label, the event. */
export type Line = readonly [at: number | null, label: string, event: string]

export type Transcript = ReadonlyArray<Line>

/**
 * The minimal program of a difference class (`minimal.json`, written by `npm run fuzz:python -- --minimal FILE`):
 * the first seed of the class, shrunk, with both transcripts as they were when it was recorded.
 */
export interface MinimalExample {
  readonly id: string
  readonly seed: number
  /** Recorded with `--retrieval` (the TypeScript side in debug mode). */
  readonly retrieval: boolean
  readonly program: Program
  readonly python: Transcript
  readonly ts: Transcript
}

/** The blocks directly inside a statement (its own body, handler, cleanup, inline target bodies). */
export const childBlocks = (s: Stmt): ReadonlyArray<Block> => {
  switch (s.op) {
    case "spawn":
    case "tgSpawn":
    case "timeout":
    case "taskGroup":
    case "withLock":
    case "withCond":
    case "withSem":
    case "loop":
      return [s.body]
    case "try":
    case "onCancel":
      return [s.body, s.handler]
    case "finally":
      return [s.body, s.cleanup]
    case "gather":
    case "asCompleted":
      return s.items.flatMap((t) => (t.kind === "ref" ? [] : [t.body]))
    case "waitFor":
    case "shield":
      return s.item.kind === "ref" ? [] : [s.item.body]
    default:
      return []
  }
}

/** Every statement of `block`, depth first. */
export const statements = (block: Block): Array<Stmt> =>
  block.flatMap((s) => [s, ...childBlocks(s).flatMap(statements)])

/**
 * Whether every statement has the construct it needs around it: `tgSpawn`/`tgCancel` a task group body,
 * `reschedule` a timeout body, `condWait`/`notify`/`condWaitFor` the condition's lock (in the same task). The
 * generator only makes such programs; the shrinker keeps them so.
 */
export const wellFormed = (program: Program): boolean => {
  const ok = (block: Block, group: boolean, scope: boolean, cond: boolean): boolean =>
    block.every((s) => {
      switch (s.op) {
        case "tgSpawn":
          return group && ok(s.body, group, scope, false)
        case "tgCancel":
          return group
        case "reschedule":
          return scope
        case "condWait":
        case "notify":
        case "condWaitFor":
          return cond
        case "spawn":
          return ok(s.body, group, scope, false)
        case "taskGroup":
          return ok(s.body, true, scope, cond)
        case "timeout":
          return ok(s.body, group, true, cond)
        case "withCond":
          return ok(s.body, group, scope, true)
        default:
          return childBlocks(s).every((b) =>
            // inline targets are bodies of their own (a task, or a coroutine that may run as one)
            ok(b, group, scope, cond && !["gather", "asCompleted", "waitFor", "shield"].includes(s.op))
          )
      }
    })
  return ok(program.main, false, false, false)
}

/** The number of statements (the shrinker's measure). */
export const size = (program: Program): number => statements(program.main).length

// ---------------------------------------------------------------------------------------------------------
// Rendering: a program as Python-like pseudo code, for reports and docs/differential.md
// ---------------------------------------------------------------------------------------------------------

const target = (t: Target, indent: string): string => {
  switch (t.kind) {
    case "ref":
      return t.ref
    case "coro":
      return `${t.name}()  # coroutine:\n${block(t.body, `${indent}    `)}`
    case "task":
      return `create_task(${t.name}())  # task:\n${block(t.body, `${indent}    `)}`
  }
}

const targets = (items: ReadonlyArray<Target>, indent: string): string => {
  const simple = items.every((t) => t.kind === "ref")
  if (simple) return items.map((t) => target(t, indent)).join(", ")
  return `\n${items.map((t) => `${indent}    ${target(t, `${indent}    `)}`).join(",\n")}\n${indent}`
}

const sub = (header: string, body: Block, indent: string): string =>
  `${indent}${header}:\n${block(body, `${indent}    `)}`

const stmt = (s: Stmt, indent: string): string => {
  switch (s.op) {
    case "print":
      return `${indent}print(${JSON.stringify(s.text)})`
    case "sleep":
      return `${indent}await sleep(${s.d})`
    case "spawn":
      return sub(`${s.name} = create_task(...)`, s.body, indent)
    case "await":
      return `${indent}await ${s.ref}`
    case "cancel":
      return `${indent}${s.ref}.cancel(${s.msg === null ? "" : JSON.stringify(s.msg)})`
    case "raise":
      return `${indent}raise Err(${JSON.stringify(s.msg)})`
    case "try":
      return `${sub("try", s.body, indent)}\n${sub("except Exception", s.handler, indent)}`
    case "finally":
      return `${sub("try", s.body, indent)}\n${sub("finally", s.cleanup, indent)}`
    case "onCancel": {
      const handler = sub("except CancelledError", s.handler, indent)
      return `${sub("try", s.body, indent)}\n${handler}${s.swallow ? "  # swallowed" : `\n${indent}    raise`}`
    }
    case "gather":
      return `${indent}await gather(${targets(s.items, indent)}${s.returnExceptions ? ", return_exceptions=True" : ""})`
    case "asCompleted":
      return `${indent}for f in as_completed([${targets(s.items, indent)}]${s.timeout === null ? "" : `, timeout=${s.timeout}`}): await f`
    case "wait":
      return `${indent}await wait([${s.refs.join(", ")}], return_when=${s.returnWhen}${s.timeout === null ? "" : `, timeout=${s.timeout}`})`
    case "waitFor":
      return `${indent}await wait_for(${target(s.item, indent)}, ${s.timeout})`
    case "timeout":
      return sub(
        `async with ${s.delay === null ? (s.at ? "timeout_at(None)" : "timeout(None)") : s.at ? `timeout_at(now + ${s.delay})` : `timeout(${s.delay})`} as scope`,
        s.body,
        indent
      )
    case "reschedule":
      return `${indent}scope.reschedule(${s.delay === null ? "None" : `now + ${s.delay}`})`
    case "shield":
      return `${indent}await shield(${target(s.item, indent)})`
    case "taskGroup":
      return sub("async with TaskGroup() as tg", s.body, indent)
    case "tgSpawn":
      return sub(`${s.name} = tg.create_task(...)`, s.body, indent)
    case "tgCancel":
      return `${indent}tg.cancel()`
    case "put":
      return `${indent}${s.nowait ? "" : "await "}Q${s.q}.put${s.nowait ? "_nowait" : ""}(${s.item})`
    case "get":
      return `${indent}${s.nowait ? "" : "await "}Q${s.q}.get${s.nowait ? "_nowait" : ""}()`
    case "taskDone":
      return `${indent}Q${s.q}.task_done()`
    case "join":
      return `${indent}await Q${s.q}.join()`
    case "shutdown":
      return `${indent}Q${s.q}.shutdown(${s.immediate ? "immediate=True" : ""})`
    case "withLock":
      return sub(`async with L${s.lock}`, s.body, indent)
    case "set":
      return `${indent}E${s.event}.set()`
    case "clear":
      return `${indent}E${s.event}.clear()`
    case "waitEvent":
      return `${indent}await E${s.event}.wait()`
    case "withCond":
      return sub(`async with C${s.cond}`, s.body, indent)
    case "condWait":
      return `${indent}await C${s.cond}.wait()`
    case "notify":
      return `${indent}C${s.cond}.${s.n === 0 ? "notify_all()" : `notify(${s.n})`}`
    case "condWaitFor":
      return `${indent}await C${s.cond}.wait_for(lambda: x${s.counter} >= ${s.value})`
    case "incr":
      return `${indent}x${s.counter} += 1`
    case "show":
      return `${indent}print(x${s.counter})`
    case "withSem":
      return sub(`async with S${s.sem}`, s.body, indent)
    case "barrierWait":
      return `${indent}await B${s.barrier}.wait()`
    case "barrierAbort":
      return `${indent}await B${s.barrier}.abort()`
    case "barrierReset":
      return `${indent}await B${s.barrier}.reset()`
    case "loop":
      return sub(`for _ in range(${s.times})`, s.body, indent)
  }
}

const block = (b: Block, indent: string): string =>
  b.length === 0 ? `${indent}pass` : b.map((s) => stmt(s, indent)).join("\n")

/** The program as Python-like pseudo code. */
export const render = (program: Program): string => {
  const decls: Array<string> = []
  program.queues.forEach((q, i) => {
    decls.push(`Q${i} = ${q.kind}(${q.maxsize})`)
  })
  for (let i = 0; i < program.locks; i++) decls.push(`L${i} = Lock()`)
  for (let i = 0; i < program.events; i++) decls.push(`E${i} = Event()`)
  for (let i = 0; i < program.conds; i++) decls.push(`C${i} = Condition()`)
  program.sems.forEach((v, i) => {
    decls.push(`S${i} = Semaphore(${v})`)
  })
  program.barriers.forEach((n, i) => {
    decls.push(`B${i} = Barrier(${n})`)
  })
  for (let i = 0; i < program.counters; i++) decls.push(`x${i} = 0`)
  return [...decls, "async def main():", block(program.main, "    ")].join("\n")
}

/** One transcript line as text: `1.5 t3: got 2`. */
export const showLine = ([at, label, event]: Line): string => `${at === null ? "-" : at} ${label}: ${event}`
