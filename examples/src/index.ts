/**
 * Every example, in order. `run-all.ts`, `run.ts` and the tests read these lists; a test checks that together
 * they name every `NN-*.ts` file of this folder. `examples` run on virtual time; `realTimeExamples` (31–33, 50–55)
 * are about real time — threads, blocking calls, sockets, child processes — and run in real time.
 */
import type * as Effect from "effect/Effect"
import * as e01 from "./01-create-task-gather.ts"
import * as e02 from "./02-fetch-data-order.ts"
import * as e03 from "./03-wrong-way-right-way.ts"
import * as e04 from "./04-gather-coroutines.ts"
import * as e05 from "./05-gather-functions.ts"
import * as e06 from "./06-background-task.ts"
import * as e07 from "./07-gather-timing.ts"
import * as e08 from "./08-as-completed.ts"
import * as e09 from "./09-create-task-await-later.ts"
import * as e10 from "./10-gather-exceptions.ts"
import * as e11 from "./11-await-in-loop.ts"
import * as e12 from "./12-as-completed-awaitables.ts"
import * as e13 from "./13-tasks-await-each.ts"
import * as e14 from "./14-tasks-taskgroup.ts"
import * as e15 from "./15-tasks-wait.ts"
import * as e16 from "./16-gather-20-coroutines.ts"
import * as e17 from "./17-gather-errors.ts"
import * as e18 from "./18-taskgroup-errors.ts"
import * as e19 from "./19-request-timeout.ts"
import * as e20 from "./20-shutdown-background.ts"
import * as e21 from "./21-cancel-task.ts"
import * as e22 from "./22-cancel-forwarding.ts"
import * as e23 from "./23-cancel-scopes.ts"
import * as e30 from "./30-effect-never-run.ts"
import * as e31 from "./31-blocking-the-loop.ts"
import * as e32 from "./32-blocking-sleep.ts"
import * as e33 from "./33-http-fanout.ts"
import * as e40 from "./40-semaphore-two-at-a-time.ts"
import * as e41 from "./41-queue-pipeline.ts"
import * as e42 from "./42-worker-pool.ts"
import * as e43 from "./43-event-starting-gun.ts"
import * as e44 from "./44-condition-wait-for.ts"
import * as e45 from "./45-barrier.ts"
import * as e50 from "./50-echo-server-client.ts"
import * as e51 from "./51-chat-server.ts"
import * as e52 from "./52-happy-eyeballs.ts"
import * as e53 from "./53-subprocess-pipeline.ts"
import * as e54 from "./54-http-headers.ts"
import * as e55 from "./55-start-server-then-connect.ts"
import * as e60 from "./60-loop-callbacks.ts"
import * as e61 from "./61-graceful-shutdown.ts"
import * as e62 from "./62-exception-handler.ts"
import * as e63 from "./63-request-reply.ts"
import type { ExampleMeta } from "./shared/example.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"

export interface Example {
  readonly meta: ExampleMeta
  readonly main: Effect.Effect<void, unknown>
}

export const examples: ReadonlyArray<Example> = [
  e01,
  e02,
  e03,
  e04,
  e05,
  e06,
  e07,
  e08,
  e09,
  e10,
  e11,
  e12,
  e13,
  e14,
  e15,
  e16,
  e17,
  e18,
  e19,
  e20,
  e21,
  e22,
  e23,
  e30,
  e40,
  e41,
  e42,
  e43,
  e44,
  e45,
  e60,
  e62,
  e63
]

/** An example about real time (threads, blocking calls, sockets): it runs in real time, in the tests too. */
export interface RealTimeExample {
  readonly meta: RealTimeMeta
  readonly main: Effect.Effect<void, unknown>
}

/**
 * The real-time examples, in order; `test/realtime.test.ts` runs 31–33, `test/streams-examples.test.ts` the I/O
 * examples 50–55 (sockets and child processes).
 */
export const realTimeExamples: ReadonlyArray<RealTimeExample> = [
  e31,
  e32,
  e33,
  e50,
  e51,
  e52,
  e53,
  e54,
  e55,
  e61
]

/** Every example, virtual-time and real-time, in file order: what `npm run example(s)` runs. */
export const allExamples: ReadonlyArray<Example | RealTimeExample> = [...examples, ...realTimeExamples].sort(
  (a, b) => a.meta.id.localeCompare(b.meta.id)
)
