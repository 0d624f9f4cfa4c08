// The room view's side parts: who is in the room (and online), the invitation to copy, and leaving
// with a confirmation. Each calls one route of the daemon API.
import { useEffect, useState } from 'preact/hooks';
import type { RoomInfo, RoomInvitation, RoomMember } from '../../src/types.js';
import { errorText, get, post } from './api.js';
import { shortId } from './format.js';
import { roomLabel } from './room-lines.js';

export function MembersPanel(props: { members: RoomMember[]; room: RoomInfo | undefined }) {
  const online = props.members.filter((m) => m.online).length;
  return (
    <aside class="members" aria-labelledby="members-heading">
      <h2 id="members-heading">
        Members <span class="meta">{`${online} of ${props.members.length} online`}</span>
      </h2>
      {props.members.length === 0 ? (
        <p class="hint">No members known yet.</p>
      ) : (
        <ul class="plain">
          {props.members.map((m) => (
            <li key={m.peerId} class="member" data-peer={m.peerId} data-online={String(m.online)}>
              <span class={`dot ${m.online ? 'online' : 'offline'}`} aria-hidden="true" />
              <span class="who">
                <span class="name">
                  {m.name && m.name.trim() !== '' ? m.name : shortId(m.peerId)}
                  {m.self ? ' (you)' : ''}
                </span>
                <span class="meta">
                  <span title={m.peerId}>{shortId(m.peerId)}</span> · {m.online ? 'online' : 'offline'}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {props.room && !props.room.member && <p class="hint">You left: this list is as it was when you left.</p>}
    </aside>
  );
}

/** The room's invitation (GET /v1/rooms/{room}/invitation), as text to copy. */
export function InvitePanel(props: { roomId: string; name: string; isPrivate: boolean; close(): void }) {
  const [invitation, setInvitation] = useState<string>();
  const [note, setNote] = useState<string>();
  useEffect(() => {
    get<RoomInvitation>(`/v1/rooms/${encodeURIComponent(props.roomId)}/invitation`)
      .then((answer) => setInvitation(answer.invitation))
      .catch((err: unknown) => setNote(errorText(err)));
  }, [props.roomId]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(invitation ?? '');
      setNote('Copied.');
    } catch {
      setNote('The browser did not allow copying: select the text and copy it.');
    }
  };
  return (
    <div class="panel invite" role="region" aria-label="Invite someone to the room">
      <label for="invitation-text">Invitation to {roomLabel(props.name)}</label>
      <textarea
        id="invitation-text"
        class="selectable"
        readOnly
        rows={3}
        value={invitation ?? 'reading…'}
        onFocus={(e) => (e.currentTarget as HTMLTextAreaElement).select()}
      />
      <p class="hint">
        {props.isPrivate
          ? 'It holds the room key: whoever has it can read and write in this room. Share it only with people you want in the room.'
          : 'Anyone on your p2pchat network can also join this open room by its name.'}{' '}
        Join with it here (Join or create) or with <code>p2pchat room join &lt;invitation&gt;</code>.
      </p>
      <div class="actions">
        <button type="button" disabled={invitation === undefined} onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={props.close}>
          Close
        </button>
        {note && (
          <span class="meta" role="status">
            {note}
          </span>
        )}
      </div>
    </div>
  );
}

/** Leaving asks first: the members are told, and writing again needs a new join. */
export function LeavePanel(props: { roomId: string; name: string; close(): void; left(room: RoomInfo): void }) {
  const [error, setError] = useState<string>();
  const leave = async () => {
    try {
      props.left(await post<RoomInfo>('/v1/rooms/leave', { room: props.roomId }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div class="panel leave" role="region" aria-label="Leave the room">
      <p>
        Leave {roomLabel(props.name)}? The members are told that you left; the history stays here, and nothing new reaches you until you
        join again.
      </p>
      <div class="actions">
        <button type="button" class="danger" onClick={() => void leave()}>
          Leave {roomLabel(props.name)}
        </button>
        <button type="button" onClick={props.close}>
          Stay
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
