import { createHTTPServer } from '@trpc/server/adapters/standalone';
import {
  ApiError,
  type ApiContext,
  appRouter,
  type EventCursor,
  type RedeemedSession,
  type ResourceUpdateAndId,
  type Services,
  type SessionToClose,
} from '@ucloud/contracts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedUpdate {
  items: ResourceUpdateAndId[];
  cursor: EventCursor | null;
}

/** What the fake orchestrator remembers; survives a restart of its HTTP server. */
export class FakeOrchestratorState {
  /** control.update calls that were applied, in order. */
  readonly updates: RecordedUpdate[] = [];
  /** control.update calls ignored because their cursor was at or below the stored one. */
  readonly ignored: RecordedUpdate[] = [];
  readonly cursors = new Map<string, string>();
  /** How many of the next control.update calls to fail with SERVICE_UNAVAILABLE. */
  failUpdates = 0;
  failedUpdates = 0;
  /** Sessions as the real orchestrator would record them at openInteractiveSession, by ticket. */
  readonly sessions = new Map<string, RedeemedSession>();
  /** What the next session checks answer: sessions that must close. */
  readonly toClose: SessionToClose[] = [];
  /** closedSessions reports, in order. */
  readonly closed: SessionToClose[] = [];

  /** Every update item applied, flattened in the order received. */
  get items(): ResourceUpdateAndId[] {
    return this.updates.flatMap((u) => u.items);
  }
}

/**
 * A fake orchestrator: contracts' real `appRouter` over real tRPC HTTP, with fake services that
 * implement only the JobsControl calls a gateway makes, the way the real one must: an update
 * whose cursor is at or below the stored one is ignored, otherwise applied and its cursor stored.
 */
export class FakeOrchestrator {
  private constructor(
    private server: Server,
    readonly port: number,
    readonly state: FakeOrchestratorState,
    private readonly token: string,
    private readonly providerId: string,
  ) {}

  static async start(
    token: string,
    providerId: string,
    options: { port?: number; state?: FakeOrchestratorState } = {},
  ): Promise<FakeOrchestrator> {
    const state = options.state ?? new FakeOrchestratorState();
    const server = await listen(token, providerId, state, options.port ?? 0);
    return new FakeOrchestrator(
      server,
      (server.address() as AddressInfo).port,
      state,
      token,
      providerId,
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Comes back on the same port with the same state, like a restarted orchestrator. */
  async restart(): Promise<void> {
    this.server = await listen(this.token, this.providerId, this.state, this.port);
  }
}

function listen(
  token: string,
  providerId: string,
  state: FakeOrchestratorState,
  port: number,
): Promise<Server> {
  const server = createHTTPServer({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req }): ApiContext => ({
      actor:
        req.headers.authorization === `Bearer ${token}` ? { kind: 'provider', providerId } : null,
      services: fakeServices(state),
    }),
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const unused = () => {
  throw new ApiError('BAD_REQUEST', 'not implemented by the fake orchestrator');
};
const unusedFace = new Proxy({}, { get: () => unused });

/** JobsControl as the tests need it; every other face (a gateway never calls them) is unused. */
function fakeServices(state: FakeOrchestratorState): Services {
  const control: Services['control'] = {
    async update(_actor, request, cursor) {
      if (state.failUpdates > 0) {
        state.failUpdates -= 1;
        state.failedUpdates += 1;
        throw new ApiError('SERVICE_UNAVAILABLE', 'fake orchestrator outage');
      }
      const recorded = { items: request.items, cursor };
      const stored = cursor ? state.cursors.get(cursor.stream) : undefined;
      if (cursor && stored !== undefined && BigInt(cursor.seq) <= BigInt(stored)) {
        state.ignored.push(recorded);
        return {};
      }
      state.updates.push(recorded);
      if (cursor) state.cursors.set(cursor.stream, cursor.seq);
      return {};
    },
    async retrieveCursor(_actor, stream) {
      const seq = state.cursors.get(stream);
      return seq === undefined ? null : { stream, seq };
    },
    browse: unused,
    async redeemSession(_actor, { ticket }) {
      const session = state.sessions.get(ticket);
      state.sessions.delete(ticket);
      if (!session) throw new ApiError('FORBIDDEN', 'The session link was used already');
      return session;
    },
    async checkSessions(_actor, { ids }) {
      return state.toClose.filter((s) => ids.includes(s.id));
    },
    async closedSessions(_actor, { items }) {
      state.closed.push(...items);
      return {};
    },
  };
  return new Proxy({ control } as Services, {
    get: (services, face: keyof Services) => (face === 'control' ? services.control : unusedFace),
  });
}
