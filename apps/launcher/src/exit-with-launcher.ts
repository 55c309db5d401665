/**
 * Preloaded into every component the launcher starts (`node --import`). The launcher holds the
 * only writing end of the component's stdin, so the pipe ends when the launcher dies, however it
 * dies (SIGKILL included): the component then stops as on SIGTERM, by its own clean shutdown,
 * instead of lingering as an orphan.
 */
process.stdin.once('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
// Watching the pipe must not keep a component alive that is otherwise done (the gateway exits
// once its event loop is empty).
process.stdin.unref();
