// The sidebar's rooms: each joined room as #name (a lock for a private one), its members online out
// of all, and its unread count; rooms you left are listed as such. A link to join or create one.
import type { RoomInfo } from '../../src/types.js';
import { roomLabel } from './room-lines.js';
import { Badge } from './sidebar.js';

/** A padlock drawn inline (no emoji: a browser without an emoji font would show an empty box). */
export function Lock() {
  return (
    <svg class="lock" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
      <path d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2h1v8h-9V7h1zm1.5 0h4V5a2 2 0 0 0-4 0v2z" fill="currentColor" />
    </svg>
  );
}

export function RoomList(props: { rooms: RoomInfo[]; unread(room: RoomInfo): number; openRoomId: string | undefined; joining: boolean }) {
  return (
    <>
      <div class="section-head">
        <h2 id="rooms-heading">Rooms</h2>
        <a href="#/rooms/join" class="small-link" aria-current={props.joining ? 'page' : undefined}>
          Join or create
        </a>
      </div>
      {props.rooms.length === 0 ? (
        <p class="hint">No rooms yet.</p>
      ) : (
        <ul aria-labelledby="rooms-heading">
          {props.rooms.map((room) => (
            <li key={room.id}>
              <a
                href={`#/room/${encodeURIComponent(room.id)}`}
                class="conversation-link room-link"
                aria-current={room.id === props.openRoomId ? 'page' : undefined}
                data-room={room.id}
              >
                <span class="who">
                  <span class="name">
                    {roomLabel(room.name)}
                    {room.private && (
                      <>
                        {' '}
                        <Lock />
                        <span class="sr-only">(private)</span>
                      </>
                    )}
                  </span>
                  <span class="meta">{room.member ? `${room.online} of ${room.members} online` : 'you left this room'}</span>
                </span>
                <Badge count={props.unread(room)} />
              </a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
