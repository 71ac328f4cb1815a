/**
 * The messages exchanged between the thread pool (main thread) and `worker.ts` (each worker thread). The worker
 * imports it with `import type` only, so it stays a file Node can run with type stripping alone.
 */

/** Main → worker: run the export `name` of `module` (a URL) with `args`. One call at a time per worker. */
export interface CallMessage {
  readonly _tag: "Call"
  readonly id: number
  readonly module: string
  readonly name: string
  readonly args: ReadonlyArray<unknown>
}

/**
 * Main → worker: the call `id`, whose function asked for its cancel signal (`Asked`), was cancelled: the worker
 * aborts the signal, and its ordinary reply, when the function settles, ends the cancellation. A worker that does
 * not reply within the pool's `cancelTimeout` is terminated. (A function that never asked is not told: its worker
 * is terminated at once.)
 */
export interface CancelMessage {
  readonly _tag: "Cancel"
  readonly id: number
}

/** What the pool sends a worker. */
export type RequestMessage = CallMessage | CancelMessage

/**
 * The `globalThis` key under which a worker keeps the function that gives the running call its cancel signal
 * (`cancelSignal()` in `ToThread.ts` reads it). `worker.ts` spells it out itself: it may import nothing.
 */
export const cancelSignalKey = "@effect-asyncio/node/cancelSignal"

/**
 * A value thrown in the worker, in a form that survives `postMessage`: structured cloning keeps an `Error`'s
 * message and stack but drops its own properties (`code`, `_tag`, …) and custom classes, so they are copied
 * out by hand.
 */
export interface SerializedError {
  /** Whether an `Error` was thrown (otherwise `value` holds the thrown value, or its `String()`). */
  readonly isError: boolean
  /** `error.name` (`"RangeError"`, a custom class's name), or `typeof value` for a non-Error. */
  readonly name: string
  readonly message: string
  /** The stack inside the worker thread. */
  readonly stack: string | undefined
  /** The error's own enumerable properties that could be cloned (`code`, `errno`, `_tag`, …). */
  readonly data: Readonly<Record<string, unknown>>
  /** The thrown value itself, when it was not an `Error` and could be cloned. */
  readonly value: unknown
  /** `error.cause`, serialized the same way (a few levels deep). */
  readonly cause: SerializedError | undefined
}

/** Worker → main: how the call ended. */
export type ReplyMessage =
  /** The function returned (or its promise resolved) with `value`. */
  | { readonly _tag: "Success"; readonly id: number; readonly value: unknown }
  /** The function asked for its cancel signal (`cancelSignal()`): cancel it with a `Cancel`, not by terminating. */
  | { readonly _tag: "Asked"; readonly id: number }
  /** The function threw (or its promise rejected). */
  | { readonly _tag: "Threw"; readonly id: number; readonly error: SerializedError }
  /**
   * The call could not be made or answered — the module did not load, the export is not a function, the result
   * cannot be cloned: a bug in the program, reported as a defect.
   */
  | {
      readonly _tag: "Misuse"
      readonly id: number
      readonly kind: "load" | "export" | "result"
      readonly message: string
      readonly error: SerializedError | undefined
    }
