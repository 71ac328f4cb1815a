import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.ts"

export default defineConfig({
  test: {
    projects,
    // Every test runs on virtual time; a test that reaches this limit is hung, not slow.
    testTimeout: 20_000
  }
})
