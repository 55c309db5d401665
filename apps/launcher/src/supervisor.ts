/** Restart delays: 250 ms, doubling after each failure up to 10 s; 30 s up counts as healthy. */
const BACKOFF = { initialMs: 250, maxMs: 10_000, resetAfterMs: 30_000 };

export interface SupervisorOptions<Name extends string> {
  /**
   * Starts `name` and resolves once it is up (calling `up`); rejects, leaving nothing running,
   * if it cannot.
   */
  start(name: Name): Promise<void>;
  /** Says what the supervisor does and why, one line at a time. */
  log(name: Name, message: string): void;
}

interface Component {
  /** Failures since the component was last up for `BACKOFF.resetAfterMs`. */
  failures: number;
  upSince: number;
  timer?: NodeJS.Timeout;
  /** The supervisor's own start is under way: an exit meanwhile is that start failing. */
  starting: boolean;
  /** Bumped by `release`, so a restart already under way does not go on after it. */
  generation: number;
}

/**
 * Restarts components that exit without being asked to, with exponential backoff, until they
 * stay up. It never gives up on a component: each failure is logged and retried later.
 */
export class Supervisor<Name extends string> {
  private readonly components = new Map<Name, Component>();
  private closed = false;

  constructor(private readonly options: SupervisorOptions<Name>) {}

  /** `name` is up (started by anyone): its health counts from now. */
  up(name: Name): void {
    this.component(name).upSince = Date.now();
  }

  /** `name` exited without being asked to: start it again after its backoff. */
  exited(name: Name, code: number | null, signal: NodeJS.Signals | null): void {
    const component = this.component(name);
    if (this.closed || component.starting || component.timer) return;
    if (Date.now() - component.upSince >= BACKOFF.resetAfterMs) component.failures = 0;
    this.schedule(
      name,
      `exited unexpectedly (${signal ? `signal ${signal}` : `code ${code ?? 'none'}`})`,
    );
  }

  /** `name` is being stopped or started on purpose: no restart of it is pending or goes on. */
  release(name: Name): void {
    const component = this.component(name);
    clearTimeout(component.timer);
    component.timer = undefined;
    component.generation++;
  }

  /** Stops supervising: pending restarts are dropped. */
  close(): void {
    this.closed = true;
    for (const name of this.components.keys()) this.release(name);
  }

  private schedule(name: Name, why: string): void {
    const component = this.component(name);
    const delay = Math.min(BACKOFF.initialMs * 2 ** component.failures, BACKOFF.maxMs);
    component.failures++;
    this.options.log(name, `${why}; restarting in ${delay} ms (attempt ${component.failures})`);
    const generation = component.generation;
    component.timer = setTimeout(() => {
      component.timer = undefined;
      void this.restart(name, generation);
    }, delay);
  }

  private async restart(name: Name, generation: number): Promise<void> {
    const component = this.component(name);
    component.starting = true;
    try {
      await this.options.start(name);
      component.starting = false;
      if (generation === component.generation) this.options.log(name, 'restarted');
    } catch (err) {
      component.starting = false;
      if (generation !== component.generation || this.closed) return;
      const why = err instanceof Error ? err.message : String(err);
      this.schedule(name, `could not be restarted (${why})`);
    }
  }

  private component(name: Name): Component {
    let component = this.components.get(name);
    if (!component) {
      component = { failures: 0, upSince: Date.now(), starting: false, generation: 0 };
      this.components.set(name, component);
    }
    return component;
  }
}
