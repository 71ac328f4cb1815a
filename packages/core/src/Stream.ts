/**
 * Effect `Stream` views of asyncio's iterables: a queue's items, and tasks in the order they finish.
 *
 * ```ts
 * import * as AsyncioStream from "@effect-asyncio/core/Stream"
 * ```
 *
 * A module of its own, not part of `@effect-asyncio/core`'s main import: Effect's `Stream` (with `Channel`, `Sink`
 * and `PubSub`) takes about as long to load as `effect/Effect` itself, and a program that never streams should not
 * pay for it.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { AsCompleted } from "./AsCompleted.ts"
import { type TimeoutError, TypeError } from "./Errors.ts"
import { isQueue, notAQueue } from "./internal/queue.ts"
import * as validate from "./internal/validate.ts"
import type { Queue } from "./Queue.ts"
import type { Task } from "./Task.ts"

/**
 * The items of `queue` as an Effect `Stream`, taken one `get` at a time; the stream ends when the queue is shut
 * down and drained.
 *
 * **When to use** To consume a queue with `Stream` operators (`Stream.mapEffect`, `Stream.grouped`,
 * `Stream.runForEach`, …), ending cleanly on `shutdown`.
 *
 * **Details** Each pull is one `get()`, with its fairness and cancellation safety; several streams (or workers)
 * may consume one queue. `QueueShutDown` ends the stream instead of failing it. The stream does **not** call
 * `taskDone()`: use `Queue.forEach` when producers `join` the queue.
 *
 * **asyncio** Python's queues are not async-iterable; this replaces the `while True: item = await q.get()` loop
 * that catches `QueueShutDown`.
 *
 * **Gotchas** An item is removed from the queue when the stream pulls it; items pulled but not yet processed
 * downstream are lost if the stream is interrupted.
 *
 * **Example** (Collect until shutdown)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as AsyncioStream from "@effect-asyncio/core/Stream"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* asyncio.Queue.make<number>()
 *   yield* queue.put(1)
 *   yield* queue.put(2)
 *   yield* queue.shutdown()
 *   return yield* Stream.runCollect(AsyncioStream.fromQueue(queue)) // [1, 2]
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromQueue = <A>(queue: Queue<A>): Stream.Stream<A> =>
  isQueue(queue)
    ? Stream.fromEffectRepeat(Effect.catchTag((queue as Queue<A>).get(), "QueueShutDown", () => Cause.done()))
    : Stream.die(notAQueue("Stream.fromQueue", queue))

/**
 * The tasks of an `asCompleted` iterator as an Effect `Stream`, in the order they finish — Python's
 * `async for task in asyncio.as_completed(aws)`. Each task is done when it is emitted (`task.result()`,
 * `yield* task`); the stream fails with `TimeoutError` if the iterator's timeout passes first.
 *
 * **Details** The stream and the iterator share one count: items taken by plain iteration or `nextTask` are not
 * emitted again, and a stream left early can be resumed by another.
 *
 * **Example** (Handle each task as it finishes)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as AsyncioStream from "@effect-asyncio/core/Stream"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const completed = yield* asyncio.asCompleted([asyncio.sleep(2, "API"), asyncio.sleep(0.5, "Cache")])
 *   yield* Stream.runForEach(AsyncioStream.fromAsCompleted(completed), (task) =>
 *     Effect.log(`${task.name} finished`)
 *   )
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromAsCompleted = <A, E>(
  completed: AsCompleted<A, E>
): Stream.Stream<Task<A, E>, TimeoutError> => {
  const next: unknown = (completed as { readonly nextTask?: unknown } | null | undefined)?.nextTask
  if (!Effect.isEffect(next)) {
    return Stream.die(
      new TypeError(
        `Stream.fromAsCompleted: an iterator made by asCompleted was expected, got ${validate.show(completed)}`
      )
    )
  }
  return Stream.unfold(undefined, () =>
    Effect.map(completed.nextTask, (task) => (task === undefined ? undefined : ([task, undefined] as const)))
  )
}
