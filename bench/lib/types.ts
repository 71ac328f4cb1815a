/**
 * The shapes every workload and the harness agree on.
 *
 * A workload is one scenario ("gather N tasks that return at once") implemented several ways. Each
 * implementation is a *preparer*: called with N outside the timed region (it may build input arrays), it returns
 * something that runs one timed repetition and produces a checksum (the harness checks it against
 * `Workload.expected`, so an implementation that skips work is caught).
 */
import type * as Effect from "effect/Effect"

/** The implementations reported in the JSON output (`impl` field). */
export type ImplName = "effect-asyncio" | "effect" | "promise" | "python-asyncio"

/**
 * How our library is run: inside a loop scope (`Loop.scoped`, the headline; tasks are detached fibers owned by
 * the loop) or without one (tasks are `forkChild` children of the creating fiber).
 */
export type OursVariant = "loop-scope" | "no-loop"

/** One timed repetition of an Effect implementation, re-run as is for every repetition. */
export type EffectPreparer = (n: number) => Effect.Effect<number, unknown>

/** One timed repetition of a Promise implementation: the returned thunk is called once per repetition. */
export type PromisePreparer = (n: number) => () => Promise<number>

export interface Workload {
  /** Short, stable name used in flags and in the JSON output (`workload` field). */
  readonly name: string
  /** What is measured, one line, for the table header. */
  readonly title: string
  readonly impls: {
    /** Written with `@effect-asyncio/core`; the harness runs it under `Loop.scoped` and, unless excluded, bare. */
    readonly ours: EffectPreparer
    /** The raw Effect 4 baseline every ratio is computed against. */
    readonly effect: EffectPreparer
    /** The Promise floor. */
    readonly promise: PromisePreparer
    /** The workload's name in `bench/python/asyncio_bench.py`, if it has a Python asyncio version. */
    readonly python?: string
  }
  /** The variants of `ours` to run; both by default. */
  readonly oursVariants?: ReadonlyArray<OursVariant>
  /** The checksum every implementation must return for `n`; defaults to 0 + 1 + … + (n - 1). */
  readonly expected?: (n: number) => number
  /**
   * The sizes this workload runs at, given the requested ones (`--n`, `--quick` or the default); all of them by
   * default. E.g. a quadratic baseline caps them.
   */
  readonly sizes?: (requested: ReadonlyArray<number>) => ReadonlyArray<number>
  /**
   * How many tasks the untimed warm-up repetitions run in all before a cell at `n` (at min(n, 10k) each, at
   * least 2 of them); 100k by default. I/O workloads, whose tasks are round trips, warm up less.
   */
  readonly warmupTasks?: (n: number) => number
  /**
   * The budget for ours ÷ this workload's "effect" column (DESIGN.md, issue 16): 1.1 by default; `null` when the
   * "effect" column is not a like-for-like baseline (the ratio is then shown without a verdict).
   */
  readonly budget?: number | null
}

/** A JS implementation the worker can run: which workload, which impl, which variant. */
export interface CellKey {
  readonly workload: string
  readonly impl: Exclude<ImplName, "python-asyncio">
  readonly variant?: OursVariant
}

/** What the main thread asks a worker to measure. */
export interface WorkerRequest extends CellKey {
  readonly n: number
  readonly runs: number
  /** Untimed warm-up repetitions at a small size (JIT), after the RSS baseline. */
  readonly warmupSmall: { readonly size: number; readonly count: number }
  /** Untimed warm-up repetitions at `n`, after the small ones. */
  readonly warmupFull: number
}

export type WorkerMessage =
  | { readonly kind: "baseline"; readonly rss: number }
  | {
      readonly kind: "result"
      /** Wall time of each timed repetition. */
      readonly timesMs: ReadonlyArray<number>
      /** CPU time of the measuring thread (user + system) during each timed repetition. */
      readonly cpuMs: ReadonlyArray<number>
      readonly rssEnd: number
    }
  | { readonly kind: "error"; readonly message: string }

/** One measured row of the table / one line of the JSON output. */
export interface Row {
  readonly workload: string
  readonly n: number
  readonly impl: ImplName
  readonly variant?: OursVariant
  /** Median µs per task over the timed repetitions (at least `--runs`; more for short cells). */
  readonly usPerTask: number
  /** Every repetition, µs per task, in run order. */
  readonly runsUs: ReadonlyArray<number>
  /**
   * CPU µs per task of the thread that ran the workload, summed over the timed repetitions (JS: the worker
   * thread, excluding V8's background GC threads; Python: the process). Less sensitive than wall time to other
   * processes competing for the CPUs; the thread clock advances in scheduler ticks, hence the sum.
   */
  readonly cpuUsPerTask: number
  /** Peak RSS during warm-ups and timed runs, minus the RSS just before them, inputs built (MiB). */
  readonly rssMiB: number
  /** The absolute peak RSS of the process during those runs (MiB). */
  readonly rssPeakMiB: number
  /** `usPerTask` divided by raw Effect's for the same workload and N, if measured. */
  readonly ratioToEffect?: number
  /** `cpuUsPerTask` divided by raw Effect's. */
  readonly cpuRatioToEffect?: number
  readonly error?: string
}

export const triangular = (n: number): number => (n * (n - 1)) / 2
