import type { ConnectionStatus } from '@wirecall/client';
import type { ReactElement } from 'react';

import { rpc } from './rpc.js';

/** What the indicator shows; `data-state` carries it for tests and styles. */
export type ConnectionView = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Maps the client's connection status to what the user sees. */
export function describeConnection(status: ConnectionStatus): { readonly view: ConnectionView; readonly label: string } {
  switch (status.state) {
    case 'connecting':
      return { view: 'connecting', label: 'connecting…' };
    case 'open':
      return { view: 'connected', label: status.rttMs === undefined ? 'connected' : `connected (${String(Math.round(status.rttMs))} ms)` };
    case 'reconnecting':
      return { view: 'reconnecting', label: `reconnecting (attempt ${String(status.attempt)})…` };
    case 'closed':
      return { view: 'offline', label: 'offline' };
  }
}

/** The connection-state pill in the header. */
export function ConnectionIndicator(): ReactElement {
  const { view, label } = describeConnection(rpc.useConnectionStatus());
  return (
    <span className="connection" role="status" data-testid="connection" data-state={view}>
      {label}
    </span>
  );
}
