/**
 * An `effect/sql` client over Node's built-in SQLite (`node:sqlite`, Node ≥ 22.13): the embedded store of the
 * cluster executor, which needs no server. Several processes of one machine share the database file (WAL mode;
 * SQLite's file locks serialise the writers, `busy_timeout` makes a writer wait for the lock instead of failing).
 *
 * Why not a package: `@effect/sql-sqlite-node` exists for Effect 4 only as 4.0 betas, which import
 * `effect/unstable/*` paths that effect 4.1 no longer has; `better-sqlite3` is a native addon. `docs/cluster.md`
 * records the choice.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite"
import { RuntimeError } from "@effect-asyncio/core/Errors"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Reactivity from "effect/reactivity/Reactivity"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as SqlClient from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import { classifySqliteError, SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"

type Row = Record<string, unknown>

const sqlError = (cause: unknown, operation: string): SqlError => {
  const errcode =
    typeof cause === "object" && cause !== null && "errcode" in cause
      ? Reflect.get(cause, "errcode")
      : undefined
  const withErrno = typeof errcode === "number" ? { cause, errno: errcode, message: String(cause) } : cause
  return new SqlError({ reason: classifySqliteError(withErrno, { message: String(cause), operation }) })
}

const loadSqlite = Effect.tryPromise({
  try: () => import("node:sqlite"),
  catch: () =>
    new RuntimeError(
      `the embedded cluster store needs node:sqlite (Node >= 22.13; this is ${process.version}): ` +
        "run on a newer Node or give Cluster a SQL store (PostgreSQL)"
    )
}).pipe(Effect.orDie)

const makeConnection = (db: DatabaseSync): Connection => {
  const cache = new Map<string, StatementSync>()
  const prepare = (sql: string): StatementSync => {
    let statement = cache.get(sql)
    if (statement === undefined) {
      statement = db.prepare(sql)
      if (cache.size > 500) cache.clear()
      cache.set(sql, statement)
    }
    return statement
  }
  const params = (values: ReadonlyArray<unknown>): Array<never> => values.map((value) => value as never)
  const rows = (
    statement: StatementSync,
    values: ReadonlyArray<unknown>,
    arrays: boolean
  ): ReadonlyArray<Row> => {
    statement.setReturnArrays(arrays)
    if (statement.columns().length > 0) return statement.all(...params(values)).map((row) => ({ ...row }))
    statement.run(...params(values))
    return []
  }
  const run = (sql: string, values: ReadonlyArray<unknown>, arrays: boolean, prepared: boolean) =>
    Effect.try({
      try: () => rows(prepared ? prepare(sql) : db.prepare(sql), values, arrays),
      catch: (cause) => sqlError(cause, "execute")
    })
  const arraysOf = (result: ReadonlyArray<Row>): ReadonlyArray<ReadonlyArray<unknown>> =>
    result.map((row) => Object.values(row))
  return {
    execute: (sql, values, transform) =>
      Effect.map(run(sql, values, false, true), (result) => (transform ? transform(result) : result)),
    executeRaw: (sql, values) =>
      Effect.try({
        try: () => prepare(sql).run(...params(values)),
        catch: (cause) => sqlError(cause, "execute")
      }),
    executeStream: () => Stream.die(new RuntimeError("the embedded SQLite store does not stream")),
    executeValues: (sql, values) => Effect.map(run(sql, values, false, true), arraysOf),
    executeValuesUnprepared: (sql, values) => Effect.map(run(sql, values, false, false), arraysOf),
    executeUnprepared: (sql, values, transform) =>
      Effect.map(run(sql, values, false, false), (result) => (transform ? transform(result) : result))
  }
}

/** A SQLite client on the database file `filename`, closed with the scope. */
export const make = (filename: string): Effect.Effect<SqlClient.SqlClient, never, Scope.Scope> =>
  Effect.gen(function* () {
    const sqlite = yield* loadSqlite
    const db = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const db = new sqlite.DatabaseSync(filename, { timeout: 10_000 })
        db.exec("PRAGMA journal_mode = WAL")
        db.exec("PRAGMA synchronous = NORMAL")
        return db
      }),
      (db) => Effect.sync(() => db.close())
    )
    const connection = makeConnection(db)
    const semaphore = yield* Semaphore.make(1)
    const acquirer = semaphore.withPermits(1)(Effect.succeed(connection))
    const transactionAcquirer = Effect.uninterruptibleMask((restore) =>
      Effect.as(
        Effect.tap(restore(semaphore.take(1)), () => Effect.addFinalizer(() => semaphore.release(1))),
        connection
      )
    )
    return yield* SqlClient.make({
      acquirer,
      transactionAcquirer,
      compiler: Statement.makeCompilerSqlite(),
      driver: "sqlite",
      spanAttributes: [["db.system.name", "sqlite"]],
      // IMMEDIATE takes the write lock at once: two processes upgrading read locks would deadlock (SQLITE_BUSY).
      beginTransaction: "BEGIN IMMEDIATE"
    }).pipe(Effect.provide(Reactivity.layer))
  })

/** The client as a layer. */
export const layer = (filename: string): Layer.Layer<SqlClient.SqlClient> =>
  Layer.effect(SqlClient.SqlClient, make(filename))
