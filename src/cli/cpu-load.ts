import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Busy loops beside a run, so a stability check can show what a loaded host
 * does to the verdicts: each is a Node process spinning on one core at the
 * run's own priority. They die with the command (stop, or any exit of this
 * process); a terminal's Ctrl-C reaches them with the rest of the group.
 */
export function startBusyLoops(count: number): { stop(): void } {
  const loops: ChildProcess[] = [];
  for (let i = 0; i < count; i++) loops.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const stop = () => {
    for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
  };
  process.once('exit', stop);
  return { stop };
}
