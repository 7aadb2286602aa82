/**
 * Brokers started by this process die with it: if a test run is interrupted (timeout, Ctrl-C)
 * before its `afterAll`, its nodes must not keep running and holding ports and memory.
 */
const tracked = new Set<number>();
let installed = false;

function killAll(): void {
  for (const pid of tracked) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  tracked.clear();
}

export function trackBrokerPid(pid: number): void {
  tracked.add(pid);
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export function untrackBrokerPid(pid: number): void {
  tracked.delete(pid);
}
