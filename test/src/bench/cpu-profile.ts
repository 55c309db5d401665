/**
 * Preloaded (`--import`) into a stack's processes by the load benches when BENCH_CPU_PROF is set:
 * profiles the process and writes `<pid>.cpuprofile` into CPU_PROFILE_DIR as it exits (Node 20
 * refuses --cpu-prof in NODE_OPTIONS).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // The in-process session answers synchronously, so this completes within 'exit'.
  process.on('exit', () =>
    session.post('Profiler.stop', (err, result: Profiler.StopReturnType) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/${process.pid}.cpuprofile`, JSON.stringify(result.profile));
    }),
  );
}
