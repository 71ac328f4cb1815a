/**
 * Node runtime for effect-asyncio: `run`, asyncio's `asyncio.run(main())`, with signals, exit codes and a
 * clean shutdown.
 *
 * @since 0.1.0
 */
export { KeyboardInterrupt, type Signal } from "./Errors.ts"
export { type RunOptions, run } from "./Run.ts"
