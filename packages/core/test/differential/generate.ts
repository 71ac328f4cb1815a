/**
 * A seeded generator of random well-formed programs (see program.ts). Well-formed means: every statement that
 * needs an enclosing construct has one (`reschedule` in a timeout body, `tgSpawn`/`tgCancel` in a task group
 * body, `condWait`/`notify`/`condWaitFor` holding the condition), no task re-acquires a lock it holds, and
 * `taskDone` follows a `get`. Programs may still deadlock (a `get` nobody feeds): both sides then say so.
 */
import type { Block, Program, QueueKind, ReturnWhen, Stmt, Target } from "./program.ts"

/** The constructs the generator can use; `--features` selects a subset. */
export const allFeatures = [
  "errors",
  "cancel",
  "swallow",
  "gather",
  "asCompleted",
  "wait",
  "waitFor",
  "timeout",
  "shield",
  "taskGroup",
  "tgCancel",
  "queue",
  "lock",
  "event",
  "cond",
  "sem",
  "barrier",
  "loop"
] as const

export type Feature = (typeof allFeatures)[number]

export interface GenerateOptions {
  /** Which constructs to use (default: all). Spawning, awaiting, sleeping and printing are always on. */
  readonly features?: ReadonlyArray<Feature> | undefined
  /** Statements in `main` (default 6). Bodies are shorter; the total grows with depth. */
  readonly size?: number | undefined
  /** Nesting depth of blocks (default 3). */
  readonly depth?: number | undefined
}

/** mulberry32: a small, fast, seedable PRNG. */
export class Random {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<A>(xs: ReadonlyArray<A>): A {
    return xs[this.int(xs.length)]
  }
}

interface Env {
  readonly depth: number
  /** Inside a task body rather than main's own statements. */
  readonly inTask: boolean
  readonly scope: boolean
  readonly group: boolean
  readonly heldLocks: ReadonlySet<number>
  readonly heldSems: ReadonlySet<number>
  /** The condition whose lock this task holds, if any. */
  readonly cond: number | undefined
  /** Items this block has taken from each queue (for `taskDone`). */
  readonly got: Set<number>
}

const durations = [0, 0.5, 1, 1, 1.5, 2, 3]
const deadlines = [0, 0.5, 1, 1.5, 2, 2.5]
const returnWhens: ReadonlyArray<ReturnWhen> = ["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"]

class Generator {
  private readonly r: Random
  private readonly on: ReadonlySet<Feature>
  private readonly size: number
  private names = 0
  private items = 0
  private messages = 0
  private readonly handles: Array<string> = []
  /**
   * Statements that would release a blocking operation generated so far (a `set` for a `wait`, a `put` for a
   * `get`, …). Main's top level takes them now and then and appends the rest at its end, which keeps most
   * programs from deadlocking.
   */
  private readonly releases: Array<Stmt> = []
  readonly program: {
    queues: Array<{ kind: QueueKind; maxsize: number }>
    locks: number
    events: number
    conds: number
    sems: Array<number>
    barriers: Array<number>
    counters: number
  }

  constructor(seed: number, options: GenerateOptions | undefined) {
    this.r = new Random(seed)
    this.on = new Set(options?.features ?? allFeatures)
    this.size = options?.size ?? 6
    const r = this.r
    this.program = {
      queues: this.on.has("queue")
        ? Array.from({ length: 1 + r.int(2) }, () => ({
            kind: r.pick<QueueKind>(["Queue", "Queue", "PriorityQueue", "LifoQueue"]),
            maxsize: r.pick([0, 0, 1, 2])
          }))
        : [],
      locks: this.on.has("lock") ? 1 + r.int(2) : 0,
      events: this.on.has("event") ? 1 + r.int(2) : 0,
      conds: this.on.has("cond") ? 1 : 0,
      sems: this.on.has("sem") ? [r.pick([1, 2])] : [],
      barriers: this.on.has("barrier") ? [r.pick([2, 2, 3])] : [],
      counters: this.on.has("cond") ? 1 : 0
    }
  }

  name(prefix: string): string {
    return `${prefix}${++this.names}`
  }

  msg(): string {
    return `m${++this.messages}`
  }

  ref(): string | undefined {
    return this.handles.length === 0 ? undefined : this.r.pick(this.handles)
  }

  /** A body for a new task or coroutine (shorter than its parent). */
  taskBody(env: Env, extra?: Partial<Env>): Block {
    return this.block(
      {
        depth: env.depth - 1,
        inTask: true,
        scope: env.scope,
        group: env.group,
        heldLocks: new Set(),
        heldSems: new Set(),
        cond: undefined,
        got: new Set(),
        ...extra
      },
      1 + this.r.int(3)
    )
  }

  nested(env: Env, extra?: Partial<Env>): Block {
    return this.block({ ...env, depth: env.depth - 1, ...extra }, 1 + this.r.int(3))
  }

  block(env: Env, n: number): Block {
    const out: Array<Stmt> = []
    for (let i = 0; i < n; i++) out.push(this.stmt(env))
    return out
  }

  target(env: Env): Target {
    const ref = this.ref()
    const kind = this.r.pick(ref === undefined ? ["coro", "task"] : ["ref", "coro", "task", "ref"])
    if (kind === "ref" && ref !== undefined) return { kind: "ref", ref }
    if (kind === "task") {
      const name = this.name("t")
      const body = this.taskBody(env)
      this.handles.push(name)
      return { kind: "task", name, body }
    }
    return { kind: "coro", name: this.name("c"), body: this.taskBody(env) }
  }

  targets(env: Env): Array<Target> {
    return Array.from({ length: 1 + this.r.int(3) }, () => this.target(env))
  }

  /** The candidate statements for `env`, with weights. */
  stmt(env: Env): Stmt {
    const r = this.r
    const on = (f: Feature) => this.on.has(f)
    const deep = env.depth > 0
    const options: Array<[number, () => Stmt]> = [
      [3, () => ({ op: "sleep", d: r.pick(durations) })],
      [1, () => ({ op: "print", text: `p${++this.messages}` })]
    ]
    if (deep) {
      options.push([
        4,
        () => {
          const name = this.name("t")
          const body = this.taskBody(env)
          this.handles.push(name)
          return { op: "spawn", name, body }
        }
      ])
    }
    const ref = this.ref()
    if (ref !== undefined) {
      options.push([3, () => ({ op: "await", ref })])
      if (on("cancel"))
        options.push([2, () => ({ op: "cancel", ref, msg: r.chance(0.5) ? this.msg() : null })])
    }
    if (on("errors")) {
      options.push([1, () => ({ op: "raise", msg: this.msg() })])
      if (deep) {
        options.push([2, () => ({ op: "try", body: this.nested(env), handler: this.nested(env) })])
        options.push([1, () => ({ op: "finally", body: this.nested(env), cleanup: this.nested(env) })])
      }
    }
    if (on("cancel") && deep) {
      options.push([
        1,
        () => ({
          op: "onCancel",
          body: this.nested(env),
          handler: this.nested(env),
          swallow: on("swallow") && r.chance(0.3)
        })
      ])
    }
    if (deep) {
      if (on("gather")) {
        options.push([2, () => ({ op: "gather", items: this.targets(env), returnExceptions: r.chance(0.5) })])
      }
      if (on("asCompleted")) {
        options.push([
          1,
          () => ({
            op: "asCompleted",
            items: this.targets(env),
            timeout: r.chance(0.5) ? r.pick(deadlines) : null
          })
        ])
      }
      if (on("waitFor")) {
        options.push([2, () => ({ op: "waitFor", item: this.target(env), timeout: r.pick(deadlines) })])
      }
      if (on("shield")) options.push([1, () => ({ op: "shield", item: this.target(env) })])
      if (on("timeout")) {
        options.push([
          2,
          () => ({
            op: "timeout",
            delay: r.chance(0.15) ? null : r.pick(deadlines),
            at: r.chance(0.3),
            body: this.nested(env, { scope: true })
          })
        ])
      }
      if (on("taskGroup"))
        options.push([2, () => ({ op: "taskGroup", body: this.nested(env, { group: true }) })])
      if (on("loop")) options.push([1, () => ({ op: "loop", times: 2 + r.int(2), body: this.nested(env) })])
    }
    if (on("wait") && this.handles.length > 0) {
      options.push([
        1,
        () => ({
          op: "wait",
          refs: Array.from({ length: 1 + r.int(3) }, () => this.ref()!),
          returnWhen: r.pick(returnWhens),
          timeout: r.chance(0.4) ? r.pick(deadlines) : null
        })
      ])
    }
    if (env.scope && on("timeout")) {
      options.push([1, () => ({ op: "reschedule", delay: r.chance(0.2) ? null : r.pick(deadlines) })])
    }
    if (env.group && deep) {
      options.push([
        3,
        () => {
          const name = this.name("t")
          const body = this.taskBody(env)
          this.handles.push(name)
          return { op: "tgSpawn", name, body }
        }
      ])
      if (on("tgCancel")) options.push([1, () => ({ op: "tgCancel" })])
    }
    const p = this.program
    // Blocking operations of primitives mostly go to tasks: main blocking on them would often deadlock.
    const blocking = env.inTask || env.scope ? 2 : 0.2
    if (p.queues.length > 0) {
      const q = r.int(p.queues.length)
      options.push([
        2,
        () => ({
          op: "put",
          q,
          item: p.queues[q].kind === "PriorityQueue" ? r.int(5) : ++this.items,
          nowait: r.chance(0.3)
        })
      ])
      options.push([
        blocking,
        () => {
          env.got.add(q)
          this.releases.push({
            op: "put",
            q,
            item: p.queues[q].kind === "PriorityQueue" ? r.int(5) : ++this.items,
            nowait: false
          })
          return { op: "get", q, nowait: r.chance(0.25) }
        }
      ])
      if (env.got.has(q)) options.push([2, () => ({ op: "taskDone", q })])
      options.push([blocking / 2, () => ({ op: "join", q })])
      options.push([0.5, () => ({ op: "shutdown", q, immediate: r.chance(0.4) })])
    }
    if (p.locks > 0 && deep) {
      const lock = r.int(p.locks)
      if (!env.heldLocks.has(lock)) {
        options.push([
          2,
          () => ({
            op: "withLock",
            lock,
            body: this.nested(env, { heldLocks: new Set([...env.heldLocks, lock]) })
          })
        ])
      }
    }
    if (p.events > 0) {
      const event = r.int(p.events)
      options.push([2, () => ({ op: "set", event })])
      options.push([0.5, () => ({ op: "clear", event })])
      options.push([
        blocking,
        () => {
          this.releases.push({ op: "set", event })
          return { op: "waitEvent", event }
        }
      ])
    }
    if (p.conds > 0) {
      if (env.cond === undefined && deep) {
        options.push([2, () => ({ op: "withCond", cond: 0, body: this.nested(env, { cond: 0 }) })])
      }
      if (env.cond !== undefined) {
        const notify: Stmt = {
          op: "withCond",
          cond: 0,
          body: [
            { op: "incr", counter: 0 },
            { op: "notify", cond: 0, n: 0 }
          ]
        }
        options.push([
          blocking,
          () => {
            this.releases.push(notify)
            return { op: "condWait", cond: 0 }
          }
        ])
        options.push([2, () => ({ op: "notify", cond: 0, n: r.pick([0, 1, 1, 2]) })])
        options.push([
          blocking,
          () => {
            const value = 1 + r.int(3)
            for (let i = 0; i < value; i++) this.releases.push(notify)
            return { op: "condWaitFor", cond: 0, counter: 0, value }
          }
        ])
      }
      options.push([1, () => ({ op: "incr", counter: 0 })])
      options.push([0.5, () => ({ op: "show", counter: 0 })])
    }
    if (p.sems.length > 0 && deep && !env.heldSems.has(0)) {
      options.push([2, () => ({ op: "withSem", sem: 0, body: this.nested(env, { heldSems: new Set([0]) }) })])
    }
    if (p.barriers.length > 0) {
      options.push([
        blocking,
        () => {
          for (let i = 1; i < p.barriers[0]; i++) {
            this.releases.push({
              op: "spawn",
              name: this.name("t"),
              body: [{ op: "barrierWait", barrier: 0 }]
            })
          }
          return { op: "barrierWait", barrier: 0 }
        }
      ])
      options.push([0.3, () => ({ op: "barrierAbort", barrier: 0 })])
      options.push([0.3, () => ({ op: "barrierReset", barrier: 0 })])
    }
    let total = 0
    for (const [w] of options) total += w
    let x = r.next() * total
    for (const [w, make] of options) {
      x -= w
      if (x < 0) return make()
    }
    return options[0][1]()
  }

  main(depth: number): Block {
    const env: Env = {
      depth,
      inTask: false,
      scope: false,
      group: false,
      heldLocks: new Set(),
      heldSems: new Set(),
      cond: undefined,
      got: new Set()
    }
    const out: Array<Stmt> = []
    for (let i = 0; i < this.size; i++) {
      const s = this.stmt(env)
      if (this.releases.length === 0) {
        out.push(s)
      } else if (this.r.chance(0.6)) {
        // A helper task, started first, that releases what the statement blocks on after a while.
        const releases = this.releases.splice(0)
        out.push({
          op: "spawn",
          name: this.name("r"),
          body: [{ op: "sleep", d: this.r.pick(durations) }, ...releases]
        })
        out.push(s)
      } else if (this.r.chance(0.5)) {
        out.push(s, ...this.releases.splice(0))
      } else {
        out.push(s)
      }
    }
    out.push(...this.releases.splice(0))
    return out
  }
}

/** The program of `seed` (the same seed always gives the same program for the same options). */
export const generate = (seed: number, options?: GenerateOptions): Program => {
  const g = new Generator(seed, options)
  const main = g.main(options?.depth ?? 3)
  return { ...g.program, main }
}
