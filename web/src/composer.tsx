// The message box under a conversation or a room: a textarea where Enter sends and Shift+Enter
// starts a new line (as in most chat apps), and the Send button; and the draft behind it, which the
// view sends its own way.
import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';

export interface Draft {
  text: string;
  setText(text: string): void;
  /** A send is on its way: another waits for it. */
  sending: boolean;
  /** Sends the text (Enter or the Send button); the box empties only once it is sent. */
  submit(event: Event): Promise<void>;
}

/** The text being written, sent one at a time; an empty or blank text is not sent. */
export function useDraft(send: (text: string) => Promise<void>, failed: (err: unknown) => void): Draft {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (text.trim() === '' || sending) return;
    setSending(true);
    try {
      await send(text);
      setText('');
    } catch (err) {
      failed(err);
    } finally {
      setSending(false);
    }
  };
  return { text, setText, sending, submit };
}

export function Composer(props: {
  text: string;
  onInput(text: string): void;
  placeholder: string;
  /** Nothing can be written here now (a blocked peer, a room left); the placeholder says why. */
  disabled: boolean;
  /** A send is on its way: the button waits for it. */
  sending: boolean;
  onSubmit(event: Event): void;
  /** For focusing the box when the view opens. */
  inputRef: RefObject<HTMLTextAreaElement | null>;
}) {
  const onKey = (event: KeyboardEvent) => {
    // isComposing: Enter that ends an input method's composition (Japanese, Chinese...) does not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) props.onSubmit(event);
  };
  return (
    <form class="composer" onSubmit={(e) => props.onSubmit(e)}>
      <label for="composer-text" class="sr-only">
        Message
      </label>
      <textarea
        id="composer-text"
        ref={props.inputRef}
        rows={2}
        placeholder={props.placeholder}
        value={props.text}
        disabled={props.disabled}
        onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={onKey}
      />
      <button type="submit" disabled={props.sending || props.text.trim() === '' || props.disabled}>
        Send
      </button>
    </form>
  );
}

/**
 * Opening a view with the keyboard lands in its message box; not on a phone, where focusing would
 * pop the on-screen keyboard over the messages.
 */
export function focusOnWideScreen(input: RefObject<HTMLTextAreaElement | null>): void {
  if (window.matchMedia('(min-width: 701px)').matches) input.current?.focus();
}
