// Every known peer with its trust state and the actions the daemon offers: contacts add, rename and
// remove, block and unblock, and connecting to a peer by address.
import { useState } from 'preact/hooks';
import type { PeerInfo } from '../../src/types.js';
import { errorText, post } from './api.js';
import { peerName, shortId } from './format.js';
import type { RequestSummary } from './sidebar.js';

function PeerRow({
  peer,
  request,
  run,
}: {
  peer: PeerInfo;
  request: RequestSummary | undefined;
  run(path: string, body: unknown): Promise<boolean>;
}) {
  const [renaming, setRenaming] = useState(false);
  const [petname, setPetname] = useState(peer.petname ?? '');
  const name = peerName(peer, peer.peerId);
  const rename = async (event: Event) => {
    event.preventDefault();
    if (await run('/v1/contacts/rename', { peer: peer.peerId, as: petname })) setRenaming(false);
  };
  return (
    <tr data-peer={peer.peerId}>
      <td>
        <span class="name">{name}</span>
        {peer.petname && peer.claimedName && peer.claimedName !== peer.petname && (
          <span class="meta"> calls itself {peer.claimedName}</span>
        )}
        {renaming && (
          <form class="inline" onSubmit={(e) => void rename(e)}>
            <label>
              Your name for {name}
              <input value={petname} maxLength={200} onInput={(e) => setPetname((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <button type="submit">Save</button>
            <button type="button" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        )}
      </td>
      <td>
        <code title={peer.peerId}>{shortId(peer.peerId)}</code>
      </td>
      <td>
        {peer.trust}
        {request ? ` (${request.count} held)` : ''}
      </td>
      <td>{peer.connected ? 'online' : 'offline'}</td>
      <td class="actions">
        {peer.trust !== 'blocked' && <a href={`#/chat/${encodeURIComponent(peer.peerId)}`}>Message</a>}
        {peer.trust === 'stranger' && (
          <button
            type="button"
            onClick={() => void run(request ? '/v1/requests/accept' : '/v1/contacts', { peer: peer.peerId })}
            aria-label={`Add ${name} to contacts`}
          >
            {request ? 'Accept' : 'Add contact'}
          </button>
        )}
        {peer.trust === 'contact' && (
          <>
            <button type="button" onClick={() => setRenaming(true)} aria-label={`Rename ${name}`}>
              Rename
            </button>
            <button
              type="button"
              onClick={() => void run('/v1/contacts/remove', { peer: peer.peerId })}
              aria-label={`Remove ${name} from contacts`}
            >
              Remove contact
            </button>
          </>
        )}
        {peer.trust === 'blocked' ? (
          <button type="button" onClick={() => void run('/v1/unblock', { peer: peer.peerId })} aria-label={`Unblock ${name}`}>
            Unblock
          </button>
        ) : (
          <button type="button" class="danger" onClick={() => void run('/v1/block', { peer: peer.peerId })} aria-label={`Block ${name}`}>
            Block
          </button>
        )}
      </td>
    </tr>
  );
}

export function PeersPage(props: { peers: PeerInfo[]; requests: RequestSummary[]; changed(): void }) {
  const [error, setError] = useState<string>();
  const [address, setAddress] = useState('');
  const [connecting, setConnecting] = useState(false);
  const run = async (path: string, body: unknown): Promise<boolean> => {
    try {
      await post(path, body);
      setError(undefined);
      props.changed();
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    }
  };
  const connect = async (event: Event) => {
    event.preventDefault();
    setConnecting(true);
    if (await run('/v1/connect', { multiaddr: address.trim() })) setAddress('');
    setConnecting(false);
  };
  const requests = new Map(props.requests.map((r) => [r.peerId, r]));
  return (
    <section aria-labelledby="peers-title">
      <h1 id="peers-title">Peers</h1>
      <p class="hint">
        Every peer this daemon has met. Contacts may write to you; a stranger's messages wait as message requests; a blocked peer is
        refused.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {props.peers.length === 0 ? (
        <p class="empty">No peers yet: daemons on your LAN appear here by themselves, or connect to one by address below.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Peer ID</th>
                <th scope="col">Trust</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.peers.map((p) => (
                <PeerRow key={p.peerId} peer={p} request={requests.get(p.peerId)} run={run} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="connect" onSubmit={(e) => void connect(e)}>
        <label for="connect-address">Connect to a peer mDNS cannot find (multiaddr)</label>
        <input
          id="connect-address"
          value={address}
          placeholder="/ip4/192.168.1.20/tcp/4747/p2p/12D3KooW…"
          onInput={(e) => setAddress((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit" disabled={connecting || address.trim() === ''}>
          {connecting ? 'Connecting…' : 'Connect'}
        </button>
      </form>
    </section>
  );
}
