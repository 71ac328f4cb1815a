/**
 * asyncio's `loop.call_soon` and `Future.add_done_callback`, for the library's own wake-ups: the one way a waiter
 * learns that something it waits for happened.
 *
 * In asyncio nothing resumes inline. `fut.set_result` (and a task's end, which sets its result) schedules the
 * future's done callbacks with `call_soon`, and `add_done_callback` on a future already done does too; an awaiting
 * task is woken by such a callback, so it runs a loop iteration later, behind the work already ready. Effect runs a
 * fiber's observers the moment it ends and `Effect.callback`'s `resume` evaluates the waiting fiber at once, inside
 * the step that finished. {@link callSoon} and {@link whenDone} put the hop back:
 *
 * - `await task` (pending): the task's end → `whenDone` → the awaiter resumes (one hop);
 * - `gather`, `wait`, `shield`, `asCompleted`, a task group's exit: the child's end → `whenDone` → the combinator's
 *   bookkeeping, which wakes its awaiter with `callSoon` (two hops), as asyncio's `_done_callback`,
 *   `_on_completion`, `_inner_done_callback`, `_on_task_done` set a future the awaiter waits on;
 * - the parking lot (`parkingLot.ts`): an unparked waiter's turn (`fut.set_result` of a lock's or queue's waiter).
 *
 * A hop is a task on the dispatcher of the fiber whose step schedules it (a fiber's observers run after its run
 * loop, with no fiber current: then the dispatcher of the fiber named as `from`, the waiter's). Inside a loop scope
 * every fiber shares one dispatcher (`loopScheduler.ts`), flushed on a later turn of the host's event loop
 * (`setImmediate`): asyncio's ready queue, in scheduling order. Outside one, each fiber has a dispatcher of its own,
 * and the order is exact within one dispatcher's batch only.
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"

const noop = (): void => {}

/**
 * Runs `fn` on a later scheduler turn, after the work already scheduled (asyncio's `loop.call_soon`): on the
 * dispatcher of the running fiber, else of `from` (the fiber whose end is being reported). `fn` runs outside any
 * fiber; to resume one, call the `resume` of its `Effect.callback` there.
 */
export const callSoon = (fn: () => void, from?: Fiber.Fiber<unknown, unknown>): void => {
  ;(Fiber.getCurrent() ?? from)!.currentDispatcher.scheduleTask(fn, 0)
}

/**
 * Two scheduler turns of the running fiber: what a caller waits when asyncio sets a future from a callback that was
 * itself scheduled (`wait(timeout=0)`'s timer; a cancelled gather's last `_done_callback`). `yieldNow` resumes the
 * fiber on a later turn of its dispatcher, as {@link callSoon} would.
 */
export const twoTurns: Effect.Effect<void> = Effect.andThen(Effect.yieldNow, Effect.yieldNow)

/**
 * Runs `fn(exit)` a turn after `task` ends — or a turn from now if it has already ended (asyncio's
 * `fut.add_done_callback(fn)`: its callbacks are scheduled with `call_soon`, also on a done future). Returns a
 * function that unregisters `fn` if the task has not ended yet; once the turn is scheduled it runs anyway (as
 * `remove_done_callback` after the future is done), so `fn` checks whether it is still wanted.
 */
export const whenDone = <A, E>(
  task: { readonly fiber: Fiber.Fiber<A, E> },
  fn: (exit: Exit.Exit<A, E>) => void
): (() => void) => {
  const fiber = task.fiber
  const exit = fiber.pollUnsafe()
  if (exit !== undefined) {
    callSoon(() => fn(exit), fiber)
    return noop
  }
  return fiber.addObserver((exit) => callSoon(() => fn(exit), fiber))
}

/**
 * Done callbacks of one waiter without a closure per hop (a combinator with many tasks: `gather`'s children, a task
 * group's): `push(item)` queues `item` and schedules one turn ({@link callSoon}); each turn runs `run` on the oldest
 * item. The items run in the order they were pushed, each on its own turn, as `call_soon` callbacks do.
 */
export class DoneCallbacks<T> {
  private items: Array<T | undefined> = []
  private head = 0
  private readonly run: (item: T) => void

  constructor(run: (item: T) => void) {
    this.run = run
  }

  push(item: T, from?: Fiber.Fiber<unknown, unknown>): void {
    this.items.push(item)
    callSoon(this.turn, from)
  }

  /**
   * Pushes `item` when `fiber` ends — now if it has ended (`add_done_callback` on a done future). `from` is the
   * waiter, on whose dispatcher the turn runs when the end is reported outside any fiber.
   */
  watch(fiber: Fiber.Fiber<unknown, unknown>, item: T, from: Fiber.Fiber<unknown, unknown>): void {
    if (fiber.pollUnsafe() !== undefined) this.push(item, from)
    else fiber.addObserver(() => this.push(item, from))
  }

  private readonly turn = (): void => {
    const items = this.items
    const item = items[this.head] as T
    items[this.head++] = undefined
    if (this.head === items.length) {
      this.items = []
      this.head = 0
    }
    this.run(item)
  }
}
