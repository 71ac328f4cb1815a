// The vitest project list. Vitest >= 4 no longer reads this file by itself:
// `vitest.config.ts` imports it and passes it to `test.projects`.
import { defineProject } from "vitest/config"

export default [
  defineProject({ test: { name: "core", root: "packages/core", include: ["test/**/*.test.ts"] } }),
  defineProject({ test: { name: "node", root: "packages/node", include: ["test/**/*.test.ts"] } }),
  defineProject({ test: { name: "examples", root: "examples", include: ["test/**/*.test.ts"] } }),
  // The packed packages, installed and run outside the repository (npm, tsc, esbuild, several Node versions).
  defineProject({
    test: {
      name: "consumer",
      root: "test/consumer",
      include: ["*.test.ts"],
      testTimeout: 120_000,
      hookTimeout: 600_000
    }
  })
]
