import { FitAddon } from '@xterm/addon-fit';
import { Terminal as XTerm } from '@xterm/xterm';
import { useEffect, useRef } from 'react';

/** Where a session's provider takes WebSockets: its gateway, ws:// for http://. */
export const socketBase = (providerDomain: string) => providerDomain.replace(/^http/, 'ws');

interface ShellFrame {
  type: 'message' | 'response';
  status?: number;
  payload: { type?: string; data?: string; why?: string };
}

/**
 * A terminal in the job's rank, over UCloud's shell protocol on the gateway's WebSocket
 * (README "Shells over WebSocket"): initialize with the session's ticket, then input, resize and
 * the terminal's output as data frames.
 */
export default function Terminal({
  providerDomain,
  providerId,
  sessionIdentifier,
}: {
  providerDomain: string;
  providerId: string;
  sessionIdentifier: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const term = new XTerm({ convertEol: false, fontSize: 14 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    fit.fit();
    const socket = new WebSocket(`${socketBase(providerDomain)}/ucloud/${providerId}/websocket`);
    const call = `jobs.compute.${providerId}.shell.open`;
    const send = (payload: object) =>
      socket.readyState === WebSocket.OPEN &&
      socket.send(JSON.stringify({ call, streamId: 'shell', payload }));
    socket.onopen = () =>
      send({ type: 'initialize', sessionIdentifier, cols: term.cols, rows: term.rows });
    socket.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as ShellFrame;
      if (frame.type === 'message' && frame.payload.type === 'data' && frame.payload.data)
        term.write(frame.payload.data);
      else if (frame.type === 'response')
        term.write(
          frame.status === 200
            ? '\r\n[The shell has ended]\r\n'
            : `\r\n[The shell could not open: ${frame.payload.why ?? `status ${frame.status ?? '?'}`}]\r\n`,
        );
    };
    socket.onclose = (event) =>
      term.write(`\r\n[Disconnected${event.reason ? `: ${event.reason}` : ''}]\r\n`);
    const input = term.onData((data) => send({ type: 'input', data }));
    const resized = term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(element);
    term.focus();
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      socket.close();
      term.dispose();
    };
  }, [providerDomain, providerId, sessionIdentifier]);
  return <div className="terminal" ref={container} aria-label="Terminal" />;
}
