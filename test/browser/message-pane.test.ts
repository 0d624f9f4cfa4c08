// The message pane and composer that conversations and rooms share, in a real browser against two
// real daemons: what the other suites do not look at. Shift+Enter starts a new line and Enter sends
// it as one message; an older page put in above keeps the reader's place; a new line scrolls into
// view only when the reader is at the bottom, and leaves a reader who scrolled up where they were.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { RoomInfo, RoomMessage } from '../../src/types.js';
import { noChromium as skip, scriptErrors, twoAppsSuite } from '../helpers/browser.js';
import { type TestDaemon, waitFor } from '../helpers/daemon.js';

/** The pane's scroll position, read in the browser. */
interface PaneState {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

const paneState = (page: Page): Promise<PaneState> =>
  page.locator('.messages').evaluate((el) => ({ scrollTop: el.scrollTop, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }));

/** Whether a line is inside the pane's visible area (both boxes as the page lays them out now). */
async function inView(line: Locator): Promise<boolean> {
  const [box, pane] = await Promise.all([line.boundingBox(), line.page().locator('.messages').boundingBox()]);
  if (!box || !pane) return false;
  return box.y + box.height > pane.y && box.y < pane.y + pane.height;
}

/** Sends `count` numbered lines ("prefix 1" up) as separate messages, and waits until the receiver holds the last. */
async function sendNumbered(from: TestDaemon, to: TestDaemon, prefix: string, count: number): Promise<void> {
  const input = Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`).join('\n');
  assert.equal((await from.cli(['send', '--lines', to.peerId], { input })).code, 0);
  const newest = async () => (await to.json<{ text: string }[]>(['history', from.peerId, '-n', '1']))[0]?.text;
  await waitFor(`${to.name} to hold all ${count}`, async () => (await newest()) === `${prefix} ${count}`);
}

describe('message pane and composer in a real browser', { skip }, () => {
  const apps = twoAppsSuite();
  const { pageErrors, openApp } = apps;
  let alice: TestDaemon;
  let bob: TestDaemon;
  before(() => ({ alice, bob } = apps));

  const openConversation = async (page: Page, peer: TestDaemon) => {
    await page.locator(`a.conversation-link[data-peer="${peer.peerId}"]`).click();
    await page.getByRole('log', { name: /^Messages with / }).waitFor();
  };

  it('Shift+Enter starts a new line and Enter sends the text as one message, in a conversation and in a room', async () => {
    assert.equal((await alice.cli(['room', 'create', 'desk'])).code, 0);
    const desk = (await alice.json<RoomInfo[]>(['room', 'list'])).find((r) => r.name === 'desk');
    assert.ok(desk);
    const alicePage = await openApp(alice);
    try {
      await openConversation(alicePage, bob);
      const composer = alicePage.getByRole('textbox', { name: 'Message' });
      await composer.pressSequentially('two');
      await composer.press('Shift+Enter');
      await composer.pressSequentially('lines');
      assert.equal(await composer.inputValue(), 'two\nlines', 'Shift+Enter writes a new line');
      assert.equal(await alicePage.locator('li.message.out').count(), 0, 'and sends nothing');
      await composer.press('Enter');
      await alicePage.locator('li.message.out .text', { hasText: 'two' }).waitFor();
      assert.equal(await composer.inputValue(), '', 'the box empties once sent');
      await waitFor(
        'bob to have it as one message',
        async () => (await bob.json<{ text: string }[]>(['history', alice.peerId, '-n', '1']))[0]?.text === 'two\nlines',
      );

      await alicePage.locator(`a.room-link[data-room="${desk.id}"]`).click();
      await alicePage.getByRole('log', { name: 'Messages in #desk' }).waitFor();
      await composer.pressSequentially('room');
      await composer.press('Shift+Enter');
      await composer.pressSequentially('lines');
      await composer.press('Enter');
      await alicePage.locator('li.room-line .text', { hasText: 'room' }).waitFor();
      const history = await alice.json<RoomMessage[]>(['room', 'history', 'desk']);
      assert.deepEqual(
        history.filter((m) => m.kind === 'text').map((m) => m.text),
        ['room\nlines'],
      );
    } finally {
      await alicePage.context().close();
    }
  });

  it('keeps the reader’s place when older messages load, and follows new ones only from the bottom', async () => {
    await sendNumbered(alice, bob, 'place line', 120);
    const bobPage = await openApp(bob);
    const message = (text: string) =>
      bobPage.locator('li.message', { has: bobPage.locator('.text', { hasText: new RegExp(`^${text}$`) }) });
    try {
      await openConversation(bobPage, alice);
      await message('place line 120').waitFor();
      const opened = await paneState(bobPage);
      assert.ok(opened.scrollHeight > opened.clientHeight, 'more lines than the pane shows');
      assert.ok(await inView(message('place line 120')), 'a conversation opens at its newest line');

      // Scrolled to the top: the next older page goes in above, and the line that was at the top stays in view.
      const firstShown = (await bobPage.locator('li.message .text').first().innerText()).trim();
      await bobPage.locator('.messages').evaluate((el) => el.scrollTo(0, 0));
      await waitFor('an older page', async () => (await bobPage.locator('li.message').count()) >= 100);
      await waitFor('the older page to be laid out', async () => (await paneState(bobPage)).scrollTop > 0);
      assert.ok(await inView(message(firstShown)), `${firstShown} is still in view`);
      const reading = await paneState(bobPage);

      // A new message while the reader is up in the history: it is added, and the view does not move.
      assert.equal((await alice.cli(['send', bob.peerId, 'while you read'])).code, 0);
      await message('while you read').waitFor();
      assert.equal((await paneState(bobPage)).scrollTop, reading.scrollTop);
      assert.ok(await inView(message(firstShown)));
      assert.equal(await inView(message('while you read')), false);

      // Back at the bottom, the next one scrolls into view.
      await bobPage.locator('.messages').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await waitFor('the pane at its bottom', async () => {
        const s = await paneState(bobPage);
        return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
      });
      assert.equal((await alice.cli(['send', bob.peerId, 'at the bottom'])).code, 0);
      await message('at the bottom').waitFor();
      await waitFor('the new message in view', () => inView(message('at the bottom')));
      const s = await paneState(bobPage);
      assert.ok(s.scrollHeight - s.scrollTop - s.clientHeight < 2, 'the pane followed to its bottom');
    } finally {
      await bobPage.context().close();
    }
  });

  it('logged no script errors in any page', () => {
    assert.deepEqual(scriptErrors(pageErrors), []);
  });
});
