import type { JobsFollowResponse } from '@ucloud/contracts';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { WebSocket } from 'ws';

/** One follower the bench opened: its messages go to `onMessage` until closed or the job ends. */
export interface BenchFollower {
  /** Resolves when the stream ends (the job ended, or it failed), with why. */
  ended: Promise<string>;
  close(): void;
}

export type OnMessage = (message: JobsFollowResponse, receivedAt: number) => void;

/** `GET /api/jobs/follow` read as raw Server-Sent Events (lighter than EventSource at 10,000). */
export function followSse(
  url: string,
  token: string,
  jobId: string,
  onMessage: OnMessage,
): BenchFollower {
  let req: ClientRequest | undefined;
  const ended = new Promise<string>((resolve) => {
    req = request(
      `${url}/api/jobs/follow?id=${jobId}`,
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          resolve(`HTTP ${String(res.statusCode)}`);
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (text: string) => {
          const receivedAt = performance.timeOrigin + performance.now();
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (frame.startsWith('event: error')) resolve(`error ${data ?? ''}`);
            else if (data) onMessage(JSON.parse(data.slice(6)) as JobsFollowResponse, receivedAt);
          }
        });
        res.on('end', () => resolve('end'));
        res.on('error', (e) => resolve(`error ${e.message}`));
      },
    );
    req.on('error', (e) => resolve(`error ${e.message}`));
    req.end();
  });
  return { ended, close: () => req?.destroy() };
}

/** jobs.follow over the WebSocket envelope at /api/jobs, one stream per socket. */
export function followWs(
  url: string,
  token: string,
  jobId: string,
  onMessage: OnMessage,
): BenchFollower {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/jobs`);
  const ended = new Promise<string>((resolve) => {
    socket.on('open', () =>
      socket.send(
        JSON.stringify({
          call: 'jobs.follow',
          streamId: '1',
          bearer: token,
          project: null,
          payload: { id: jobId },
        }),
      ),
    );
    socket.on('message', (raw: Buffer) => {
      const receivedAt = performance.timeOrigin + performance.now();
      const frame = JSON.parse(raw.toString()) as
        { type: 'message'; payload: JobsFollowResponse } | { type: 'response'; status: number };
      if (frame.type === 'message') onMessage(frame.payload, receivedAt);
      else resolve(`response ${frame.status}`);
    });
    socket.on('close', () => resolve('closed'));
    socket.on('error', (e) => resolve(`error ${e.message}`));
  });
  return { ended, close: () => socket.terminate() };
}

/** The process listening on a local TCP port (the launcher keeps its children's pids to itself). */
export function pidListeningOn(port: number): number {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (!pid) throw new Error(`nothing listens on port ${port}`);
  return Number(pid);
}

/** Resident set size of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Established TCP connections to a local port (e.g. the orchestrator's log streams to the gateway). */
export function connectionsTo(port: number): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `dport = :${port}`], {
    encoding: 'utf8',
  });
  return out.split('\n').filter((l) => l.trim()).length;
}

export const portOf = (url: string): number => Number(new URL(url).port);
