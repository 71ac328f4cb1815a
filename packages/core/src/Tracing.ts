/**
 * Tracing: every task is a span in Effect's tracer, so an application using `@effect/opentelemetry` (or any
 * `Tracer`) sees its tasks — named, with their owner, and how they ended (the cancel reason included).
 *
 * Off by default (the task machinery then asks whether an observer is installed, and nothing else). Turn it on for
 * a region with {@link withTaskSpans}, for an application with {@link layer}, or for a program with
 * `run(main, { tracing: true })`. Tasks created inside the region get a span named `task <name>`:
 *
 * | attribute | value |
 * | --- | --- |
 * | `asyncio.task.name`, `asyncio.task.id` | the task's name and number |
 * | `asyncio.task.owner` | its owner: task group, loop scope, `detached` or `fiber #<id>` |
 * | `asyncio.task.creator` | the task that created it, if any |
 * | `asyncio.task.outcome` | `result`, `exception` or `cancelled` |
 * | `asyncio.task.error` | for `exception`: `Name: message` |
 * | `asyncio.cancel.kind`, `asyncio.cancel.message`, `asyncio.cancel.detail` | for `cancelled`: the `CancelReason` |
 *
 * A cancellation request adds a span event `asyncio.cancel_requested` with the reason, at the time of the request.
 * The span's parent is the span current where the task was created, as for any Effect fiber; its status is the
 * task's exit.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Tracer from "effect/Tracer"
import type { CancelReason } from "./Errors.ts"
import { describeError, text } from "./internal/format.ts"
import * as hooks from "./internal/hooks.ts"
import { outcomeOf } from "./internal/outcome.ts"
import * as validate from "./internal/validate.ts"

/** Whether tasks created by this fiber get spans. */
const TaskSpans = Context.Reference<boolean>("effect-asyncio/Tracing/TaskSpans", {
  defaultValue: () => false
})

/** The span of each traced task (and the clock it runs on), for cancellation events. */
const spans = new WeakMap<hooks.TaskLike, { readonly span: Tracer.Span; readonly clock: Clock.Clock }>()

const reasonAttributes = (reason: CancelReason): Record<string, unknown> => {
  const attributes: Record<string, unknown> = {
    "asyncio.cancel.kind": reason.kind,
    "asyncio.cancel.detail": reason.detail
  }
  if (reason.message !== undefined) attributes["asyncio.cancel.message"] = text(reason.message)
  return attributes
}

/** The attributes a task's span gets when it ends: its outcome, error or cancel reason. */
const endAttributes = (exit: Exit.Exit<unknown, unknown>): Record<string, unknown> => {
  const outcome = outcomeOf(exit)
  switch (outcome._tag) {
    case "Result":
      return { "asyncio.task.outcome": "result" }
    case "Exception":
      return { "asyncio.task.outcome": "exception", "asyncio.task.error": describeError(outcome.error) }
    case "Cancelled":
      return { "asyncio.task.outcome": "cancelled", ...reasonAttributes(outcome.error.reason) }
  }
}

const traced = <A, E, R>(
  task: hooks.TaskLike,
  body: Effect.Effect<A, E, R>,
  creation: hooks.Creation
): Effect.Effect<A, E, R> => {
  const attributes: Record<string, unknown> = {
    "asyncio.task.name": task.name,
    "asyncio.task.id": task.id,
    "asyncio.task.owner": creation.owner
  }
  if (creation.creator !== undefined) attributes["asyncio.task.creator"] = creation.creator.name
  const inSpan = Effect.withFiber((fiber) =>
    Effect.flatMap(Effect.exit(Effect.currentSpan), (current) => {
      if (current._tag === "Failure") return body
      const span = current.value
      spans.set(task, { span, clock: fiber.getRef(Clock.Clock) })
      // The task's outcome on its span. Guarded: a tracer that throws must not change how the task ended.
      return Effect.onExit(body, (exit) =>
        Effect.sync(() => {
          try {
            for (const [key, value] of Object.entries(endAttributes(exit))) span.attribute(key, value)
          } catch (error) {
            hooks.fault(observer, "span attributes", error)
          }
        })
      )
    })
  )
  return Effect.withSpan(inSpan, `task ${task.name}`, { attributes })
}

const observer: hooks.Observer = {
  name: "Tracing",
  instrument: (task, body, creation) =>
    creation.parent.getRef(TaskSpans) ? traced(task, body, creation) : body,
  cancelRequested: (task, reason) => {
    const traced = spans.get(task)
    if (traced !== undefined) {
      traced.span.event(
        "asyncio.cancel_requested",
        traced.clock.currentTimeNanosUnsafe(),
        reasonAttributes(reason)
      )
    }
  }
}

const acquire = hooks.shared(observer)

/**
 * Runs `effect` with task spans on: every task created inside it (by any of its fibers) runs in a span
 * `task <name>` of the current tracer.
 *
 * **Example** (Tasks as spans)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = asyncio.Tracing.withTaskSpans(
 *   asyncio.Loop.scoped(
 *     Effect.gen(function*() {
 *       const task = yield* asyncio.createTask(asyncio.sleep(1, "done"), { name: "sleeper" })
 *       return yield* task // a span "task sleeper" with asyncio.task.outcome = "result"
 *     })
 *   )
 * )
 * ```
 *
 * @category tracing
 * @since 0.1.0
 */
export const withTaskSpans = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.isEffect(effect)
    ? Effect.acquireUseRelease(
        Effect.sync(acquire),
        () => Effect.provideService(effect, TaskSpans, true),
        (release) => Effect.sync(release)
      )
    : Effect.die(validate.notAnEffect("Tracing.withTaskSpans", effect))

/**
 * A layer that turns task spans on for everything it is provided to. Combine it with your tracer's layer
 * (`@effect/opentelemetry`'s `NodeSdk.layer`, …).
 *
 * @category tracing
 * @since 0.1.0
 */
export const layer: Layer.Layer<never> = Layer.effectContext(
  Effect.map(
    Effect.acquireRelease(Effect.sync(acquire), (release) => Effect.sync(release)),
    () => Context.make(TaskSpans, true)
  )
)
