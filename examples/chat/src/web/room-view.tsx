import { useEffect, useRef, type ReactElement } from 'react';

import type { Member, Message } from '../contract.js';
import { Composer } from './composer.js';
import { describeError } from './describe-error.js';
import { rpc } from './rpc.js';
import { useRoomMessages } from './use-room-messages.js';

function formatTime(date: Date): string {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function MessageList({ messages, loading }: { readonly messages: readonly Message[]; readonly loading: boolean }): ReactElement {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    // Follow the conversation: keep the newest message in view.
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [messages]);
  return (
    <ol className="messages" ref={list} data-testid="messages" aria-live="polite" aria-busy={loading}>
      {messages.length === 0 && <li className="empty">{loading ? 'Loading history…' : 'No messages yet. Say hello!'}</li>}
      {messages.map((message) => (
        <li key={message.id} data-testid="message" data-id={message.id}>
          <span className="author">{message.author}</span>
          <span className="text">{message.text}</span>
          <time dateTime={message.sentAt.toISOString()}>{formatTime(message.sentAt)}</time>
        </li>
      ))}
    </ol>
  );
}

function describeTyping(typing: readonly string[]): string {
  if (typing.length === 0) return '';
  if (typing.length === 1) return `${typing[0] ?? ''} is typing…`;
  return `${typing.slice(0, -1).join(', ')} and ${typing.at(-1) ?? ''} are typing…`;
}

function MemberList({ members, self }: { readonly members: readonly Member[]; readonly self: string }): ReactElement {
  return (
    <ul className="members" data-testid="members">
      {members.map((member, index) => (
        // Two tabs may use the same name: the index keeps the keys unique.
        <li key={`${String(index)}:${member.name}`} data-testid="member" data-typing={member.typing}>
          {member.name}
          {member.name === self ? ' (you)' : ''}
          {member.typing && <span className="typing-flag">typing…</span>}
        </li>
      ))}
    </ul>
  );
}

/** A joined room: messages, who is here and typing, and the composer. Mount with `key={room}`. */
export function RoomView({ room, name, onLeave }: { readonly room: string; readonly name: string; readonly onLeave: () => void }): ReactElement {
  const { messages, loading, error } = useRoomMessages(room);
  // Being subscribed is being in the room: unmounting (leaving) ends the subscription and the server drops us.
  const presence = rpc.chat.presence.useSubscription({ room, name });
  const members = presence.data ?? [];
  const typing = members.filter((member) => member.typing && member.name !== name).map((member) => member.name);

  return (
    <section className="room" data-testid="room" data-room={room}>
      <div className="card">
        <div className="room-head">
          <h2>
            #{room} <small>as {name}</small>
          </h2>
          <button type="button" className="secondary" data-testid="leave" onClick={onLeave}>
            Leave
          </button>
        </div>
        {error !== undefined && (
          <p className="error" role="alert" data-testid="room-error">
            {describeError(error)}
          </p>
        )}
        <MessageList messages={messages} loading={loading} />
        <p className="typing" data-testid="typing">
          {describeTyping(typing)}
        </p>
        <Composer room={room} name={name} />
      </div>
      <aside className="card">
        <h2>Here now ({members.length})</h2>
        <MemberList members={members} self={name} />
      </aside>
    </section>
  );
}
