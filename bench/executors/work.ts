// The benchmark's unit of work, loaded by every executor (threads, processes, runners): ≈ 1 ms of CPU.
export const burn = (n: number, ms = 1): number => {
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) x++
  return x >= 0 ? n : -n
}
