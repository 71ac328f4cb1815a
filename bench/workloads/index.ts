/**
 * The workload registry. To add a workload (TaskGroup cancellation, Semaphore(100), queue producer/consumer…),
 * write a module exporting a {@link Workload} (see `../lib/types.ts`), append it here, and — if it has a Python
 * version — add a function of the same name to `../python/asyncio_bench.py`'s `WORKLOADS`.
 */
import type { Workload } from "../lib/types.ts"
import { asCompleted } from "./as-completed.ts"
import { gather } from "./gather.ts"
import { gatherDebug } from "./gather-debug.ts"
import { gatherRecordingOff } from "./gather-recording-off.ts"
import { gatherSleep0 } from "./gather-sleep0.ts"
import { bulk, echo1k, echo64k } from "./io.ts"
import { lock } from "./lock.ts"
import { queue } from "./queue.ts"
import { semaphore, semaphoreEffect, semaphoreFibers, semaphorePark } from "./semaphore.ts"
import { taskgroupCancel, taskgroupCancelSet } from "./taskgroup-cancel.ts"
import { taskgroupGather } from "./taskgroup-gather.ts"

export const workloads: ReadonlyArray<Workload> = [
  gather,
  gatherSleep0,
  asCompleted,
  gatherRecordingOff,
  gatherDebug,
  taskgroupCancel,
  taskgroupCancelSet,
  taskgroupGather,
  semaphore,
  semaphoreFibers,
  semaphorePark,
  semaphoreEffect,
  lock,
  queue,
  echo1k,
  echo64k,
  bulk
]

export const workloadByName = (name: string): Workload | undefined => workloads.find((w) => w.name === name)
