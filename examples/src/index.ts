/**
 * Every example, in order. `run-all.ts`, `run.ts` and the tests read this list; a test checks that it names
 * every `NN-*.ts` file of this folder.
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
import type { ExampleMeta } from "./shared/example.ts"

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
  e22
]
