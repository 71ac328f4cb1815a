/**
 * A loop scope's scheduler: every fiber of the loop shares **one** dispatcher — asyncio's one ready queue.
 *
 * Effect gives each fiber a dispatcher of its own (`Scheduler.makeDispatcher`, called lazily the first time the
 * fiber schedules something), each flushed by its own `setImmediate`. Work that different tasks schedule in one
 * step then runs grouped by dispatcher, in the order the dispatchers were first armed — not in the order it was
 * scheduled, as asyncio's `call_soon` queue runs it — and every fiber that yields once pays for a dispatcher and a
 * host turn of its own. With one dispatcher per loop, what is scheduled while a batch runs goes to the next batch,
 * in scheduling order: a loop iteration.
 */
import type * as Fiber from "effect/Fiber"
import type * as Scheduler from "effect/Scheduler"

export class LoopScheduler implements Scheduler.Scheduler {
  readonly executionMode: Scheduler.Scheduler["executionMode"]
  private readonly parent: Scheduler.Scheduler
  private dispatcher: Scheduler.SchedulerDispatcher | undefined = undefined

  constructor(parent: Scheduler.Scheduler) {
    this.parent = parent
    this.executionMode = parent.executionMode
  }

  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    return this.parent.shouldYield(fiber)
  }

  makeDispatcher(): Scheduler.SchedulerDispatcher {
    if (this.dispatcher === undefined) this.dispatcher = this.parent.makeDispatcher()
    return this.dispatcher
  }
}
