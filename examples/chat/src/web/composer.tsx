import { useRef, useState, type SyntheticEvent, type ReactElement } from 'react';

import { MAX_MESSAGE_LENGTH } from '../contract.js';
import { describeError } from './describe-error.js';
import { rpc } from './rpc.js';

/** How often the composer repeats "typing" while the user keeps typing; the server lets a flag lapse after 4 s. */
const TYPING_REPEAT_MS = 2000;

/** The message input: sends on Enter, reports typing, and shows a refused message's error beside the input. */
export function Composer({ room, name }: { readonly room: string; readonly name: string }): ReactElement {
  const [text, setText] = useState('');
  const typingSentAt = useRef(0);
  const send = rpc.chat.send.useMutation({
    onSuccess: () => {
      setText('');
      typingSentAt.current = 0;
    },
  });
  const typing = rpc.chat.typing.useMutation();

  function change(value: string): void {
    setText(value);
    if (send.status === 'error') send.reset();
    const now = Date.now();
    if (value.trim() === '') {
      if (typingSentAt.current !== 0) typing.mutate({ room, typing: false });
      typingSentAt.current = 0;
    } else if (now - typingSentAt.current > TYPING_REPEAT_MS) {
      typingSentAt.current = now;
      typing.mutate({ room, typing: true });
    }
  }

  function submit(event: SyntheticEvent): void {
    event.preventDefault();
    // No check here: the server's zod schema is the one judge of a message, and its BAD_REQUEST is shown below.
    send.mutate({ room, author: name, text });
  }

  const length = text.trim().length;
  return (
    <form className="composer" onSubmit={submit} data-testid="composer">
      <input
        data-testid="message-input"
        aria-label="Message"
        placeholder={`Message #${room}`}
        value={text}
        aria-invalid={send.status === 'error'}
        aria-describedby="send-error"
        onChange={(event) => {
          change(event.target.value);
        }}
      />
      <button type="submit" data-testid="send" disabled={send.status === 'pending'}>
        Send
      </button>
      <div>
        {send.status === 'error' && (
          <p className="error" id="send-error" role="alert" data-testid="send-error" data-code={send.error.code}>
            {describeError(send.error)}
          </p>
        )}
      </div>
      <div className="counter" data-testid="counter">
        {length > MAX_MESSAGE_LENGTH * 0.8 ? `${String(length)} / ${String(MAX_MESSAGE_LENGTH)}` : ''}
      </div>
    </form>
  );
}
