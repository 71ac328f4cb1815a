/** See `Testing.primeTestClock` (`@effect-asyncio/core/Testing`). */
export { primeTestClock } from "@effect-asyncio/core/Testing"
