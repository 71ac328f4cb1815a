// The example's CPU work, loaded by every executor (worker threads, child processes, cluster runners).
export const crunch = (
  id: number,
  ms: number
): { readonly id: number; readonly pid: number; readonly start: number; readonly end: number } => {
  const start = Date.now()
  while (Date.now() - start < ms) {}
  return { id, pid: process.pid, start, end: Date.now() }
}
