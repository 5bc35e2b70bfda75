import type { Client } from '@wirecall/client';
import { useState, type ReactElement } from 'react';

import type { api } from '../contract.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { JoinForm, type Session } from './join-form.js';
import { rpc } from './rpc.js';
import { RoomView } from './room-view.js';

/** The chat page: the connection state, then either the join form or the joined room. */
export function App({ client }: { readonly client: Client<typeof api> }): ReactElement {
  const [session, setSession] = useState<Session | undefined>();
  const [lastSession, setLastSession] = useState<Session>({ name: '', room: 'general' });

  return (
    <rpc.Provider client={client}>
      <header>
        <h1>Wirecall chat</h1>
        <ConnectionIndicator />
      </header>
      {session === undefined ? (
        <JoinForm
          initial={lastSession}
          onJoin={(joined) => {
            setSession(joined);
            setLastSession(joined);
          }}
        />
      ) : (
        <RoomView
          key={session.room}
          room={session.room}
          name={session.name}
          onLeave={() => {
            setSession(undefined);
          }}
        />
      )}
    </rpc.Provider>
  );
}
