// The vitest project list. Vitest >= 4 no longer reads this file by itself:
// `vitest.config.ts` imports it and passes it to `test.projects`.
//
// Projects run in groups (`sequence.groupOrder`): first the unit and process tests, then the consumer test (npm,
// tsc, esbuild, several Node versions), then the cluster tests (three runner processes each, a PostgreSQL server).
// Each later group has the 2-core machine to itself: under the load of the others, runners miss their shard-lock
// deadlines and the tests stop measuring the library.
import { defineProject } from "vitest/config"

const cluster = ["test/cluster*.test.ts"]

export default [
  defineProject({ test: { name: "core", root: "packages/core", include: ["test/**/*.test.ts"] } }),
  defineProject({
    test: { name: "node", root: "packages/node", include: ["test/**/*.test.ts"], exclude: cluster }
  }),
  defineProject({ test: { name: "examples", root: "examples", include: ["test/**/*.test.ts"] } }),
  // The packed packages, installed and run outside the repository (npm, tsc, esbuild, several Node versions).
  defineProject({
    test: {
      name: "consumer",
      root: "test/consumer",
      include: ["*.test.ts"],
      testTimeout: 120_000,
      hookTimeout: 600_000,
      sequence: { groupOrder: 1 }
    }
  }),
  // Executors on effect/cluster: runner processes on 127.0.0.1, SQLite and PostgreSQL stores; one file at a time.
  defineProject({
    test: {
      name: "cluster",
      root: "packages/node",
      include: cluster,
      fileParallelism: false,
      sequence: { groupOrder: 2 }
    }
  })
]
