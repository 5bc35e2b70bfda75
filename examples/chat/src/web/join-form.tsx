import { useState, type SyntheticEvent, type ReactElement } from 'react';

import { RoomName, UserName } from '../contract.js';
import { rpc } from './rpc.js';

/** Who joins which room. */
export interface Session {
  readonly name: string;
  readonly room: string;
}

/** Asks for a name and a room; lists the rooms that already have messages or members. */
export function JoinForm({ onJoin, initial }: { readonly onJoin: (session: Session) => void; readonly initial: Session }): ReactElement {
  const [name, setName] = useState(initial.name);
  const [room, setRoom] = useState(initial.room);
  const [error, setError] = useState<string | undefined>();
  const rooms = rpc.chat.rooms.useQuery();

  function submit(event: SyntheticEvent): void {
    event.preventDefault();
    // The contract's schemas check the form too, so the user hears about a bad name before the server does.
    const parsedName = UserName.safeParse(name);
    const parsedRoom = RoomName.safeParse(room);
    if (!parsedName.success) {
      setError('Your name must be 1 to 32 characters.');
      return;
    }
    if (!parsedRoom.success) {
      setError(parsedRoom.error.issues[0]?.message ?? 'That is not a valid room name.');
      return;
    }
    onJoin({ name: parsedName.data, room: parsedRoom.data });
  }

  return (
    <section className="card">
      <form className="join" onSubmit={submit} data-testid="join-form">
        <label>
          Your name
          <input data-testid="name-input" value={name} autoComplete="nickname" onChange={(event) => { setName(event.target.value); }} />
        </label>
        <label>
          Room
          <input data-testid="room-input" value={room} onChange={(event) => { setRoom(event.target.value); }} />
        </label>
        <button type="submit" data-testid="join">
          Join
        </button>
      </form>
      {error !== undefined && (
        <p className="error" role="alert" data-testid="join-error">
          {error}
        </p>
      )}
      <div className="rooms" data-testid="room-list">
        {rooms.data !== undefined && rooms.data.length > 0 ? 'Active rooms:' : 'No active rooms yet: pick a name.'}
        {rooms.data?.map((summary) => (
          <button
            key={summary.name}
            type="button"
            className="secondary"
            onClick={() => {
              setRoom(summary.name);
            }}
          >
            #{summary.name} · {summary.members} here · {summary.messages} messages
          </button>
        ))}
      </div>
    </section>
  );
}
