/**
 * Node runtime for effect-asyncio.
 *
 * @since 0.1.0
 */
export { run, type RunOptions } from "./Run.ts"
