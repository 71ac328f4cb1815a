/**
 * Ctrl-C on the caller of a cluster, with real processes: a caller process (`run(main)`, fixtures/cluster-signal.ts)
 * starts three runner processes on 127.0.0.1 and a TaskGroup of five remote jobs that tick until cancelled and clean
 * up in a `finally` (listening to `cancelSignal()`); the test signals the caller alone, as `kill -INT <pid>` does, or
 * its whole process group, as Ctrl-C in a terminal does (the runners get the signal too), and checks that the
 * cancellation reached every remote job and waited for its clean-up before the caller exited.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { startFixture } from "./utils/process.ts"
import { isAlive, lines, sleepMs, until, withLog } from "./utils/processes.ts"

const jobIds = Array.from({ length: 5 }, (_, i) => `job-${i}`)

describe("Cluster executor: the caller process ended by a signal", () => {
  for (const [signal, code, group] of [
    ["SIGINT", 130, false],
    ["SIGTERM", 143, false],
    ["SIGINT", 130, true]
  ] as const) {
    const to = group
      ? "Ctrl-C in a terminal (SIGINT to the caller's process group, runners included)"
      : `${signal} to the caller`
    it.live(
      `${to} under run(): every remote job's finally runs once on its runner before the group's cancellation returns; exit ${code}; no job ticks and no runner is left afterwards`,
      () =>
        withLog((log) =>
          Effect.gen(function* () {
            const caller = startFixture("cluster-signal", [log], { sources: true, timeoutMs: 30_000, group })
            const exited = () => caller.child.exitCode !== null || caller.child.signalCode !== null
            let runners: Array<number> = []
            try {
              // Every job has started on a runner and ticked at least once.
              const ready = () => {
                const all = lines(log)
                return jobIds.every(
                  (id) => all.some((line) => line.startsWith(`started ${id} `)) && all.includes(`tick ${id}`)
                )
              }
              yield* until(() => exited() || ready())
              const runnersLine = caller.stdout().find((line) => line.startsWith("runners "))
              assert.isFalse(exited(), `the caller ended early: ${JSON.stringify(caller.stdout())}`)
              assert.isDefined(runnersLine)
              runners = runnersLine!.split(" ").slice(1).map(Number)
              assert.strictEqual(runners.length, 3)

              if (group) process.kill(-caller.child.pid!, signal)
              else caller.child.kill(signal)
              const result = yield* Effect.promise(() => caller.finished)
              const atExit = lines(log)

              assert.isFalse(result.hung, `the caller did not exit: ${result.stderr}`)
              assert.strictEqual(result.code, code, result.stderr)
              assert.strictEqual(
                result.stderr,
                `run: KeyboardInterrupt (${signal}): main task 'main' was cancelled; clean-up completed\n`
              )
              // Every job's `finally` ran exactly once, on the runner it started on, after its last tick, and before
              // the group's cancellation returned in the caller: it waited for the clean-up.
              const groupEnded = atExit.indexOf("group ended")
              assert.isAbove(groupEnded, -1, "the caller's group never ended")
              for (const id of jobIds) {
                const started = atExit.filter((line) => line.startsWith(`started ${id} `))
                const cleanups = atExit.filter((line) => line.startsWith(`cleanup ${id} `))
                assert.strictEqual(started.length, 1, `${id} started ${started.length} times`)
                assert.strictEqual(cleanups.length, 1, `${id} cleaned up ${cleanups.length} times`)
                const pid = Number(started[0].split(" ")[2])
                assert.isTrue(runners.includes(pid), `${id} ran on ${pid}, not on a runner`)
                assert.strictEqual(cleanups[0], `cleanup ${id} ${pid}`)
                assert.isBelow(
                  atExit.lastIndexOf(`tick ${id}`),
                  atExit.indexOf(cleanups[0]),
                  `${id} ticked after its clean-up`
                )
                assert.isBelow(
                  atExit.indexOf(cleanups[0]),
                  groupEnded,
                  `${id} cleaned up after the group ended`
                )
              }
              // No runner outlived the caller, and nothing runs any more: the log stopped growing at the exit.
              for (const pid of runners) assert.isFalse(isAlive(pid), `runner ${pid} outlived the caller`)
              yield* sleepMs(300)
              assert.deepStrictEqual(lines(log), atExit, "a remote job ran after the caller exited")
            } finally {
              if (!exited()) caller.child.kill("SIGKILL")
              if (group) {
                try {
                  process.kill(-caller.child.pid!, "SIGKILL")
                } catch {
                  // The group is gone.
                }
              }
              for (const pid of runners) if (isAlive(pid)) process.kill(pid, "SIGKILL")
            }
          })
        ),
      40_000
    )
  }
})
