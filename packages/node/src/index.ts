/**
 * Node runtime for effect-asyncio: `run`, asyncio's `asyncio.run(main())`, with signals, exit codes and a
 * clean shutdown; `toThread`, asyncio's `asyncio.to_thread`, on a pool of worker threads (`ThreadPool`);
 * `Streams` and `Subprocess`, asyncio's streams and subprocesses (their socket code loads on first use);
 * `Executor.runInExecutor` on threads, child processes (`ProcessPool`) or, from `@effect-asyncio/node/Cluster`,
 * the runner processes of a cluster.
 *
 * @since 0.1.0
 */
export {
  type AnyOSError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileNotFoundError,
  IncompleteReadError,
  isOSError,
  KeyboardInterrupt,
  LimitOverrunError,
  OSError,
  type OSErrorFields,
  PermissionError,
  type Signal,
  ThreadError
} from "./Errors.ts"
export * as Executor from "./Executor.ts"
export * as ProcessPool from "./ProcessPool.ts"
export { type RunOptions, run } from "./Run.ts"
export * as Streams from "./Streams.ts"
export * as Subprocess from "./Subprocess.ts"
export * as ThreadPool from "./ThreadPool.ts"
export {
  type AnyFunction,
  cancelSignal,
  type OnCancel,
  type ToThreadOptions,
  toThread,
  type WorkArgs,
  type WorkModule,
  type WorkNames,
  type WorkResult,
  workModule
} from "./ToThread.ts"
