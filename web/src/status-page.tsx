// The daemon's status: identity, addresses, discovery, counts, storage and trust policy.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { StatusInfo } from '../../src/types.js';
import { reachabilityWords } from '../../src/wan/reach-words.js';
import { post } from './api.js';
import { bytes, duration } from './format.js';

export function StatusPage({
  status,
  live,
  refresh,
  loggedOut,
}: {
  status: StatusInfo | undefined;
  live: string;
  refresh(): void;
  loggedOut(): void;
}) {
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, 5000);
    return () => clearInterval(timer);
  }, []);
  if (!status) return <p>Loading…</p>;
  const rows: Array<[string, ComponentChildren]> = [
    ['Name', status.name],
    ['Peer ID', <code class="selectable">{status.peerId}</code>],
    ['Version', status.version],
    [
      'Addresses',
      <ul class="plain">
        {status.addresses.map((a) => (
          <li key={a}>
            <code class="selectable">{a}</code>
          </li>
        ))}
      </ul>,
    ],
    ['Discovery', status.mdns ? `mDNS on the LAN (network "${status.network}")` : 'mDNS off: peers are reached by address only'],
    ['Reachability', reachabilityWords(status.wan)],
    ['Peers', `${status.peers.connected} connected, ${status.peers.known} known`],
    ['Messages', `${status.messages.total} stored, ${status.messages.outbox} waiting in the outbox`],
    ['Storage', `${bytes(status.storage.usedBytes)} of ${bytes(status.storage.maxBytes)}`],
    [
      'Who may write to you',
      `${status.trust.inbound} (${status.trust.contacts} contacts, ${status.trust.blocked} blocked, ${status.trust.requests.strangers} strangers with requests)`,
    ],
    ['Uptime', duration(status.uptimeSeconds)],
    ['Event stream', live],
    ['Data directory', <code class="selectable">{status.dataDir}</code>],
  ];
  return (
    <section aria-labelledby="status-title">
      <h1 id="status-title">Status</h1>
      <dl class="status">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p>
        <button type="button" onClick={() => void post('/logout').finally(loggedOut)}>
          Log out of this browser
        </button>
      </p>
    </section>
  );
}
