// The /chat/1.0.0 streams each peer opened to us. A plain peer that does not accept streams of
// ours (libp2p's chat example dialer) can only hear us on the one it opened, so delivery may
// borrow it, and must learn when it closes.
import type { FrameStream } from './frame-stream.js';

type CloseHook = (error?: Error) => void;

export class PeerStreams {
  private readonly byPeer = new Map<string, FrameStream[]>();
  private readonly closeHooks = new Map<FrameStream, CloseHook>();
  private readonly openedListeners: ((peerId: string) => void)[] = [];

  onOpened(listener: (peerId: string) => void): void {
    this.openedListeners.push(listener);
  }

  opened(peerId: string, stream: FrameStream): void {
    const list = this.byPeer.get(peerId) ?? [];
    list.push(stream);
    this.byPeer.set(peerId, list);
    for (const listener of this.openedListeners) listener(peerId);
  }

  /** The newest stream the peer opened that we can still write on. */
  newest(peerId: string): FrameStream | undefined {
    return this.byPeer
      .get(peerId)
      ?.filter((s) => s.isOpen)
      .at(-1);
  }

  /** Calls `hook` once when `stream` closes (the sender that borrowed it must find another). */
  whenClosed(stream: FrameStream, hook: CloseHook): void {
    this.closeHooks.set(stream, hook);
  }

  closed(peerId: string, stream: FrameStream, error?: Error): void {
    const hook = this.closeHooks.get(stream);
    this.closeHooks.delete(stream);
    const list = this.byPeer.get(peerId);
    if (list) {
      const rest = list.filter((s) => s !== stream);
      if (rest.length > 0) this.byPeer.set(peerId, rest);
      else this.byPeer.delete(peerId);
    }
    hook?.(error);
  }
}
