import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';

/** The job's remote desktop: noVNC on the session's WebSocket, with the session's password. */
export default function Desktop({ url, password }: { url: string; password: string | null }) {
  const screen = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState('Connecting…');
  useEffect(() => {
    const element = screen.current;
    if (!element) return;
    const rfb = new RFB(
      element,
      url,
      password ? { credentials: { username: '', password, target: '' } } : {},
    );
    rfb.scaleViewport = true;
    rfb.addEventListener('connect', () => setStatus('Connected'));
    rfb.addEventListener('disconnect', (e) =>
      setStatus(e.detail.clean ? 'Disconnected' : 'The connection was lost'),
    );
    return () => rfb.disconnect();
  }, [url, password]);
  return (
    <div>
      <p role="status">{status}</p>
      <div className="desktop" ref={screen} aria-label="Remote desktop" />
    </div>
  );
}
