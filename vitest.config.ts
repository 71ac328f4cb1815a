import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.ts"

export default defineConfig({
  // Inside the repository the workspace packages resolve to their TypeScript sources through the export condition
  // `@effect-asyncio/source` (see the README's "Layout"), as they do for tsc (customConditions) and for Node
  // (node-options in .npmrc). Tests run in vitest's server-side environment, which reads `ssr.resolve`; the other
  // entries are Vite's default server conditions, which setting the list would otherwise drop.
  ssr: { resolve: { conditions: ["@effect-asyncio/source", "module", "node", "development|production"] } },
  test: {
    projects,
    // Every test runs on virtual time; a test that reaches this limit is hung, not slow.
    testTimeout: 20_000
  }
})
