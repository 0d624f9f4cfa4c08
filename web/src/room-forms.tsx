// Joining a room (an open one by its name, any one with an invitation) and creating one. Each form
// calls one route (POST /v1/rooms/join, POST /v1/rooms) and then opens the room.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RoomInfo } from '../../src/types.js';
import { errorText, post } from './api.js';

export function RoomForms(props: { changed(): void }) {
  const [target, setTarget] = useState('');
  const [name, setName] = useState('');
  const [isPrivate, setPrivate] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ form: 'join' | 'create'; text: string }>();
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);

  const run = async (form: 'join' | 'create', path: string, body: unknown) => {
    setBusy(true);
    try {
      const room = await post<RoomInfo>(path, body);
      setError(undefined);
      props.changed();
      location.hash = `#/room/${encodeURIComponent(room.id)}`;
    } catch (err) {
      setError({ form, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="room-forms" aria-label="Join or create a room">
      <header class="conversation-head">
        <a class="back" href="#/">
          ← Chats
        </a>
        <h1>Rooms</h1>
      </header>
      <div class="forms">
        <form
          class="connect"
          aria-labelledby="join-heading"
          onSubmit={(e) => {
            e.preventDefault();
            if (target.trim() !== '') void run('join', '/v1/rooms/join', { room: target.trim() });
          }}
        >
          <h2 id="join-heading">Join a room</h2>
          <label>
            Room name or invitation
            <input
              ref={first}
              value={target}
              maxLength={2000}
              placeholder="office, or p2pchat-room:…"
              autocomplete="off"
              spellcheck={false}
              onInput={(e) => setTarget((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <p class="hint">
            An open room is joined by its name: everyone on your p2pchat network who names it alike is in it. A private room needs the
            invitation a member gives you (Invite, or <code>p2pchat room invite</code>).
          </p>
          <button type="submit" disabled={busy || target.trim() === ''}>
            Join
          </button>
          {error?.form === 'join' && (
            <p class="error" role="alert">
              {error.text}
            </p>
          )}
        </form>
        <form
          class="connect"
          aria-labelledby="create-heading"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim() !== '') void run('create', '/v1/rooms', { name: name.trim(), private: isPrivate });
          }}
        >
          <h2 id="create-heading">Create a room</h2>
          <label>
            Name of the new room
            <input
              value={name}
              maxLength={64}
              placeholder="lab"
              autocomplete="off"
              spellcheck={false}
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label class="check">
            <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate((e.currentTarget as HTMLInputElement).checked)} />
            Private: joined only with an invitation, texts encrypted end to end
          </label>
          <p class="hint">1 to 64 letters, digits, dots, dashes or underscores.</p>
          <button type="submit" disabled={busy || name.trim() === ''}>
            Create
          </button>
          {error?.form === 'create' && (
            <p class="error" role="alert">
              {error.text}
            </p>
          )}
        </form>
      </div>
    </section>
  );
}
