// Rooms in the web app, in a real browser (Debian's Chromium through playwright-core) against two
// real daemons: a private room created in alice's app and joined in bob's with its invitation; lines
// typed in one app appear live in the other and in `p2pchat room history`; a room's unread count
// rises while it is not open and clears when it is; a text that is HTML stays text; a reload keeps
// the room; leaving asks first and the other side sees it; failures are shown with their reasons.
// The screenshot of a room goes to a temporary directory, or to WEB_SCREENSHOTS (see web.test.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { RoomInfo, RoomMessage } from '../../src/types.js';
import { noChromium as skip, scriptErrors, twoAppsSuite } from '../helpers/browser.js';
import { type TestDaemon, waitFor } from '../helpers/daemon.js';

describe('rooms in the web app, in a real browser', { skip }, () => {
  const apps = twoAppsSuite();
  const { pageErrors, openApp } = apps;
  let alice: TestDaemon;
  let bob: TestDaemon;
  let shots: string;
  before(() => ({ alice, bob, shots } = apps));
  const roomLink = (page: Page, roomId: string) => page.locator(`a.room-link[data-room="${roomId}"]`);
  const unreadOf = (page: Page, roomId: string) => roomLink(page, roomId).locator('[data-testid="unread"]');
  const line = (page: Page, text: string) => page.locator('li.room-line', { hasText: text });
  const roomOf = async (daemon: TestDaemon, name: string) =>
    (await daemon.json<RoomInfo[]>(['room', 'list'])).find((r) => r.name === name) as RoomInfo;

  /** Creates a room in the app's form and waits for its view. */
  async function createRoom(page: Page, name: string, isPrivate: boolean): Promise<void> {
    await page.getByRole('link', { name: 'Join or create' }).click();
    await page.getByLabel('Name of the new room').fill(name);
    await page.getByLabel(/^Private/).setChecked(isPrivate);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: `#${name}` }).waitFor();
  }

  it('a private room: created and joined in the apps, lines live both ways and in room history, unread, HTML as text, reload, leave', async () => {
    const alicePage = await openApp(alice);
    const bobPage = await openApp(bob);
    try {
      await createRoom(alicePage, 'lab', true);
      const lab = await roomOf(alice, 'lab');
      assert.equal(lab.private, true);
      await roomLink(alicePage, lab.id).filter({ hasText: '#lab' }).filter({ hasText: 'private' }).waitFor();

      // The invitation, as the Invite panel shows it, joins bob from his app.
      await alicePage.getByRole('button', { name: 'Invite' }).click();
      const shown = alicePage.getByRole('textbox', { name: 'Invitation to #lab' });
      const invitation = await waitFor('the invitation', async () => {
        const value = await shown.inputValue();
        return value.startsWith('p2pchat-room:') ? value : undefined;
      });
      assert.equal(invitation, (await alice.json<{ invitation: string }>(['room', 'invite', 'lab'])).invitation);
      await alicePage.screenshot({ path: join(shots, 'room-invite.png') });
      await alicePage.getByRole('button', { name: 'Close' }).click();
      await bobPage.getByRole('link', { name: 'Join or create' }).click();
      await bobPage.getByLabel('Room name or invitation').fill(invitation);
      await bobPage.getByRole('button', { name: 'Join', exact: true }).click();
      await bobPage.getByRole('heading', { name: '#lab' }).waitFor();

      // Both members, online, on both sides; bob's join shows in alice's room as a join line.
      for (const page of [alicePage, bobPage]) {
        for (const member of [alice, bob]) {
          await page.locator(`li.member[data-peer="${member.peerId}"][data-online="true"]`).waitFor();
        }
      }
      await alicePage.locator(`li.room-event[data-kind="join"][data-author="${bob.peerId}"]`, { hasText: 'bob joined' }).waitFor();
      await roomLink(alicePage, lab.id).filter({ hasText: '2 of 2 online' }).waitFor();

      // Typed in alice's app with the keyboard (the room's message box has the focus): live in bob's, with the author's name.
      await alicePage.getByRole('textbox', { name: 'Message' }).fill('hello lab, from a browser');
      await alicePage.keyboard.press('Enter');
      await line(alicePage, 'hello lab, from a browser').filter({ hasText: 'alice (you)' }).waitFor();
      assert.equal(await line(alicePage, 'hello lab, from a browser').getAttribute('class'), 'message room-line out');
      const atBob = line(bobPage, 'hello lab, from a browser');
      await atBob.waitFor();
      assert.equal(await atBob.locator('.author').innerText(), 'alice');
      await bobPage.getByRole('textbox', { name: 'Message' }).fill('hi alice');
      await bobPage.keyboard.press('Enter');
      await line(alicePage, 'hi alice').filter({ hasText: 'bob' }).waitFor();
      const history = await bob.json<RoomMessage[]>(['room', 'history', 'lab']);
      assert.deepEqual(
        history.filter((m) => m.kind === 'text').map((m) => [m.author, m.text]),
        [
          [alice.peerId, 'hello lab, from a browser'],
          [bob.peerId, 'hi alice'],
        ],
      );
      await alicePage.screenshot({ path: join(shots, 'room.png') });

      // Bob looks elsewhere: the count rises with each line, live, and clears when he opens the room.
      await bobPage.getByRole('link', { name: 'Join or create' }).click();
      assert.equal((await alice.cli(['room', 'send', 'lab', 'first while away'])).code, 0);
      await unreadOf(bobPage, lab.id).filter({ hasText: /^1/ }).waitFor();
      assert.equal((await alice.cli(['room', 'send', 'lab', 'second while away'])).code, 0);
      await unreadOf(bobPage, lab.id).filter({ hasText: /^2/ }).waitFor();
      await roomLink(bobPage, lab.id).click();
      await line(bobPage, 'second while away').waitFor();
      await waitFor('the unread count to clear', async () => (await unreadOf(bobPage, lab.id).count()) === 0);
      // The daemon itself marked the room read, as `room history` does.
      await waitFor('the daemon to count the room read', async () => (await roomOf(bob, 'lab')).unread === 0);

      // A line that is HTML shows as text and runs nothing.
      const attack = '<img src=x onerror="window.__pwned=1;document.title=\'pwned\'"><script>window.__pwned=2</script>';
      assert.equal((await alice.cli(['room', 'send', 'lab', '--', attack])).code, 0);
      const attackLine = bobPage.locator('li.room-line').last();
      await waitFor('the HTML line to show', async () => (await attackLine.innerText()).includes('<img src=x'));
      assert.equal(await attackLine.locator('.text').innerText(), attack);
      assert.equal(await bobPage.locator('main img, nav img, main script').count(), 0);
      assert.equal(await bobPage.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
      assert.notEqual(await bobPage.title(), 'pwned');

      // A reload keeps the room open, its lines and its read state.
      await bobPage.reload();
      await bobPage.getByRole('heading', { name: '#lab' }).waitFor();
      await line(bobPage, 'hello lab, from a browser').waitFor();
      await line(bobPage, 'second while away').waitFor();
      assert.equal(await unreadOf(bobPage, lab.id).count(), 0);

      // Leaving asks first; alice sees bob leave, and his app says he left.
      await bobPage.getByRole('button', { name: 'Leave', exact: true }).click();
      await bobPage.getByRole('button', { name: 'Stay' }).click();
      assert.equal((await roomOf(bob, 'lab')).member, true, 'Stay keeps bob in the room');
      await bobPage.getByRole('button', { name: 'Leave', exact: true }).click();
      await bobPage.getByRole('button', { name: 'Leave #lab' }).click();
      await bobPage.locator('p.notice', { hasText: 'You left this room' }).waitFor();
      assert.equal((await roomOf(bob, 'lab')).member, false);
      assert.equal(await bobPage.getByRole('textbox', { name: 'Message' }).isDisabled(), true);
      await alicePage.locator(`li.room-event[data-kind="leave"][data-author="${bob.peerId}"]`, { hasText: 'bob left' }).waitFor();
      await waitFor(
        'bob to leave the members list',
        async () => (await alicePage.locator(`li.member[data-peer="${bob.peerId}"]`).count()) === 0,
      );

      // Join again: the private room's key was kept, so no new invitation is needed; bob can write again.
      await bobPage.getByRole('button', { name: 'Join again' }).click();
      await waitFor('bob to be a member again', async () => (await roomOf(bob, 'lab')).member);
      const composer = bobPage.getByRole('textbox', { name: 'Message' });
      await waitFor('the composer to be enabled', async () => !(await composer.isDisabled()));
      await composer.fill('back again');
      await composer.press('Enter');
      await line(alicePage, 'back again').filter({ hasText: 'bob' }).waitFor();
      assert.equal(await alicePage.locator(`li.room-event[data-kind="join"][data-author="${bob.peerId}"]`).count(), 2);
    } finally {
      await alicePage.context().close();
      await bobPage.context().close();
    }
  });

  it('an open room joined by name from the CLI; a bad name and an oversized text are refused with their reasons', async () => {
    assert.equal((await bob.cli(['room', 'join', 'office'])).code, 0);
    const alicePage = await openApp(alice);
    try {
      await alicePage.getByRole('link', { name: 'Join or create' }).click();
      await alicePage.getByLabel('Room name or invitation').fill('not a room name!');
      await alicePage.getByRole('button', { name: 'Join', exact: true }).click();
      await alicePage
        .getByRole('alert')
        .filter({ hasText: /letters, digits/ })
        .waitFor();

      await alicePage.getByLabel('Room name or invitation').fill('#office');
      await alicePage.getByRole('button', { name: 'Join', exact: true }).click();
      await alicePage.getByRole('heading', { name: '#office' }).waitFor();
      const office = await roomOf(alice, 'office');
      assert.equal(office.private, false);
      assert.equal(office.id, (await roomOf(bob, 'office')).id, 'the same open room on both daemons');
      await roomLink(alicePage, office.id).waitFor();
      assert.equal(await roomLink(alicePage, office.id).filter({ hasText: 'private' }).count(), 0);

      assert.equal((await bob.cli(['room', 'send', 'office', 'from the terminal'])).code, 0);
      await line(alicePage, 'from the terminal').filter({ hasText: 'bob' }).waitFor();

      const composer = alicePage.getByRole('textbox', { name: 'Message' });
      await composer.fill('x'.repeat(17_000));
      await alicePage.getByRole('button', { name: 'Send' }).click();
      await alicePage
        .getByRole('alert')
        .filter({ hasText: /^Not sent: text of 17000 bytes/ })
        .waitFor();
      assert.equal((await composer.inputValue()).length, 17_000, 'the text stays in the composer');
      const texts = (await bob.json<RoomMessage[]>(['room', 'history', 'office'])).filter((m) => m.kind === 'text');
      assert.deepEqual(
        texts.map((m) => m.text),
        ['from the terminal'],
      );
    } finally {
      await alicePage.context().close();
    }
  });

  it('loads older room lines when scrolled up, each once, in the room’s order', async () => {
    for (let i = 1; i <= 120; i++) await alice.client.request('POST', '/v1/rooms/send', { room: 'office', text: `page line ${i}` });
    await waitFor(
      'bob to hold them all',
      async () => (await bob.json<RoomMessage[]>(['room', 'history', 'office', '-n', '1']))[0]?.text === 'page line 120',
    );
    const bobPage = await openApp(bob);
    try {
      const office = await roomOf(bob, 'office');
      await roomLink(bobPage, office.id).click();
      await line(bobPage, 'page line 120').waitFor();
      assert.equal(await bobPage.locator('li.room-line').count(), 50);
      await waitFor('the first line to load on scrolling up', async () => {
        await bobPage.locator('.messages').evaluate((el) => el.scrollTo(0, 0));
        return (await bobPage.locator('li.room-line .text', { hasText: /^page line 1$/ }).count()) === 1;
      });
      const shown = await bobPage.locator('li.room-line .text').allInnerTexts();
      const expected = (await bob.json<RoomMessage[]>(['room', 'history', 'office', '-n', '1000'])).filter((m) => m.kind === 'text');
      assert.deepEqual(
        shown,
        expected.map((m) => m.text),
      );
      assert.equal(await bobPage.locator('li.room-event[data-kind="join"]').count(), 2);
    } finally {
      await bobPage.context().close();
    }
  });

  it('keeps the room open across a daemon restart and shows what arrived meanwhile, without a reload', async () => {
    const bobPage = await openApp(bob);
    try {
      const office = await roomOf(bob, 'office');
      await roomLink(bobPage, office.id).click();
      await bobPage.getByRole('heading', { name: '#office' }).waitFor();
      // The same web address after the restart: the page's EventSource reconnects to it by itself.
      bob.options.env = { ...bob.options.env, P2PCHAT_WEB_LISTEN: new URL(bobPage.url()).host };
      await bob.stop();
      await bobPage
        .getByRole('status')
        .filter({ hasText: /stopped|not answering/ })
        .waitFor();
      await bob.start();
      // Stored at once, while the page may still be reconnecting: it comes live or from the replay after the last event id.
      assert.equal((await bob.cli(['room', 'send', 'office', 'right after the restart'])).code, 0);
      assert.equal((await bob.cli(['connect', alice.address])).code, 0);
      assert.equal((await alice.cli(['room', 'send', 'office', 'welcome back'])).code, 0);
      await line(bobPage, 'right after the restart').filter({ hasText: 'bob (you)' }).waitFor({ timeout: 30_000 });
      await line(bobPage, 'welcome back').waitFor({ timeout: 30_000 });
      await bobPage.getByRole('status').filter({ hasText: 'live' }).waitFor();
      assert.equal(await line(bobPage, 'right after the restart').count(), 1);
    } finally {
      await bobPage.context().close();
    }
  });

  it('works in a phone-sized window: the rooms in the list, then the room with a way back', async () => {
    assert.equal((await alice.cli(['room', 'join', 'corridor'])).code, 0);
    const alicePage = await openApp(alice, { width: 390, height: 760 });
    try {
      const office = await roomOf(alice, 'corridor');
      await roomLink(alicePage, office.id).click();
      await alicePage.getByRole('textbox', { name: 'Message' }).fill('from my phone');
      await alicePage.keyboard.press('Enter');
      await line(alicePage, 'from my phone').waitFor();
      assert.equal(await roomLink(alicePage, office.id).isVisible(), false, 'the list gives way to the room');
      await alicePage.screenshot({ path: join(shots, 'narrow-room.png') });
      await alicePage.getByRole('link', { name: '← Chats' }).click();
      await roomLink(alicePage, office.id).waitFor();
    } finally {
      await alicePage.context().close();
    }
  });

  it('logged no script errors in any page', () => {
    assert.deepEqual(scriptErrors(pageErrors), []);
  });
});
