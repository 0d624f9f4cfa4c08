// The web app in a real browser (Debian's Chromium, driven by playwright-core) against two real
// daemons: what a user types in one daemon's app shows up live in the other's app and history,
// with ticks, unread counts, paging, a reload and a daemon restart; a text that is HTML stays text;
// another origin cannot make the app do anything. Screenshots of the main views are written to a
// temporary directory, or to WEB_SCREENSHOTS (WEB_SCREENSHOTS=docs/images/web refreshes the docs').
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { noChromium as skip, scriptErrors, twoAppsSuite } from '../helpers/browser.js';
import { startDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js';

describe('web app in a real browser', { skip }, () => {
  const apps = twoAppsSuite();
  const { pageErrors, openApp } = apps;
  let alice: TestDaemon;
  let bob: TestDaemon;
  let shots: string;
  before(() => ({ alice, bob, shots } = apps));

  const trustOf = async (daemon: TestDaemon, peer: TestDaemon) =>
    (await daemon.json<{ peerId: string; trust: string }[]>(['peers'])).find((p) => p.peerId === peer.peerId)?.trust;

  const conversationLink = (page: Page, peer: TestDaemon) => page.locator(`a.conversation-link[data-peer="${peer.peerId}"]`);

  it('a message typed in one app appears live in the other app and its history, ticks reach delivered, unread counts rise and clear', async () => {
    const alicePage = await openApp(alice);
    const bobPage = await openApp(bob);
    try {
      // Keyboard only: Enter on the conversation's link lands in its message box; Enter sends.
      await conversationLink(alicePage, bob).focus();
      await alicePage.keyboard.press('Enter');
      const composer = alicePage.getByRole('textbox', { name: 'Message' });
      await waitFor('the message box to have the focus', () => composer.evaluate((el) => el === el.ownerDocument.activeElement));
      await alicePage.keyboard.type('hello bob, from a browser');
      await alicePage.keyboard.press('Enter');
      const mine = alicePage.locator('li.message.out', { hasText: 'hello bob, from a browser' });
      await mine.locator('.tick[data-state="delivered"]').waitFor();
      assert.equal(await composer.inputValue(), '', 'the composer is empty after sending');

      // Bob has no conversation open: the count rises, live.
      await conversationLink(bobPage, alice).locator('[data-testid="unread"]').filter({ hasText: '1' }).waitFor();
      await composer.fill('second line');
      await alicePage.getByRole('button', { name: 'Send' }).click();
      await conversationLink(bobPage, alice).locator('[data-testid="unread"]').filter({ hasText: '2' }).waitFor();
      await bobPage.screenshot({ path: join(shots, 'unread.png') });
      const history = await bob.json<{ text: string; direction: string }[]>(['history', alice.peerId]);
      assert.ok(history.some((m) => m.direction === 'in' && m.text === 'hello bob, from a browser'));

      await conversationLink(bobPage, alice).click();
      await bobPage.locator('li.message.in', { hasText: 'second line' }).waitFor();
      await waitFor(
        'the unread count to clear',
        async () => (await conversationLink(bobPage, alice).locator('[data-testid="unread"]').count()) === 0,
      );

      // Bob answers; alice has the conversation open, so it appears there and counts nothing.
      await bobPage.getByLabel('Message', { exact: true }).fill('hi alice');
      await bobPage.getByLabel('Message', { exact: true }).press('Enter');
      await alicePage.locator('li.message.in', { hasText: 'hi alice' }).waitFor();
      assert.equal(await conversationLink(alicePage, bob).locator('[data-testid="unread"]').count(), 0);
      await bobPage.locator('li.message.out', { hasText: 'hi alice' }).locator('.tick[data-state="delivered"]').waitFor();
      await alicePage.screenshot({ path: join(shots, 'chat.png') });

      // A reload keeps the conversation, and what was read stays read.
      await bobPage.reload();
      await bobPage.locator('li.message', { hasText: 'hello bob, from a browser' }).waitFor();
      await bobPage.locator('li.message', { hasText: 'hi alice' }).waitFor();
      assert.equal(await conversationLink(bobPage, alice).locator('[data-testid="unread"]').count(), 0);
    } finally {
      await alicePage.context().close();
      await bobPage.context().close();
    }
  });

  it('shows a text that is HTML as text, and runs nothing', async () => {
    const bobPage = await openApp(bob);
    try {
      await conversationLink(bobPage, alice).click();
      const attack = '<img src=x onerror="window.__pwned=1;document.title=\'pwned\'"><script>window.__pwned=2</script>';
      assert.equal((await alice.cli(['send', bob.peerId, '--', attack])).code, 0);
      assert.equal((await bob.cli(['contacts', 'rename', alice.peerId, '<b>Alice</b><img src=y onerror=window.__pwned=3>'])).code, 0);
      const shown = bobPage.locator('li.message.in').last();
      await waitFor('the message to show', async () => (await shown.innerText()).includes('<img src=x'));
      assert.equal(await shown.locator('.text').innerText(), attack);
      await bobPage.getByRole('heading', { name: '<b>Alice</b><img src=y onerror=window.__pwned=3>' }).waitFor();
      assert.equal(await bobPage.locator('main img, nav img, main script').count(), 0);
      assert.equal(await bobPage.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
      assert.notEqual(await bobPage.title(), 'pwned');
      assert.equal((await bob.cli(['contacts', 'rename', alice.peerId, 'alice'])).code, 0);
    } finally {
      await bobPage.context().close();
    }
  });

  it('refuses a POST from a page of another origin, even one the browser sends the cookie with', async () => {
    const bobPage = await openApp(bob);
    const target = new URL(bobPage.url()).origin;
    // Another web server on the same IP: same site (so SameSite=Strict still sends the cookie), other origin.
    const attacker: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><form id="f" method="POST" action="${target}/api/v1/send" enctype="text/plain">
        <input name='{"to":"${alice.peerId}","text":"forged by a form","x":"' value='"}'></form>
        <script>
          fetch(${JSON.stringify(`${target}/api/v1/send`)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
            headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ to: ${JSON.stringify(alice.peerId)}, text: 'forged by fetch' }) })
            .finally(() => document.getElementById('f').submit());
        </script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const attackerPage = await bobPage.context().newPage();
      const submitted = attackerPage.waitForResponse((res) => res.url() === `${target}/api/v1/send`);
      await attackerPage.goto(`http://127.0.0.1:${(attacker.address() as { port: number }).port}/`);
      assert.equal((await submitted).status(), 403);
      const history = await bob.json<{ text: string }[]>(['history']);
      assert.equal(history.filter((m) => m.text.startsWith('forged')).length, 0);
    } finally {
      attacker.close();
      await bobPage.context().close();
    }
  });

  it('loads older messages when scrolled up', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => `page line ${i + 1}`).join('\n');
    assert.equal((await alice.cli(['send', '--lines', bob.peerId], { input: lines })).code, 0);
    await waitFor(
      'bob to have them',
      async () => (await bob.json<{ text: string }[]>(['history', alice.peerId, '-n', '1']))[0]?.text === 'page line 120',
    );
    const bobPage = await openApp(bob);
    try {
      await conversationLink(bobPage, alice).click();
      await bobPage.locator('li.message', { hasText: 'page line 120' }).waitFor();
      const shown = () => bobPage.locator('li.message').count();
      assert.equal(await shown(), 50);
      await waitFor('the first line to load on scrolling up', async () => {
        await bobPage.locator('.messages').evaluate((el) => el.scrollTo(0, 0));
        return (await bobPage.locator('li.message .text', { hasText: /^page line 1$/ }).count()) === 1;
      });
      assert.ok((await shown()) > 120);
      // Nothing is shown twice.
      const seqs = await bobPage.locator('li.message').evaluateAll((els) => els.map((el) => el.getAttribute('data-seq')));
      assert.equal(new Set(seqs).size, seqs.length);
    } finally {
      await bobPage.context().close();
    }
  });

  it('catches up after the daemon restarts, without a reload', async () => {
    const bobPage = await openApp(bob);
    try {
      await conversationLink(bobPage, alice).click();
      await bobPage.getByRole('textbox', { name: 'Message' }).waitFor();
      // The same web address after the restart: the page's EventSource reconnects to it by itself.
      bob.options.env = { ...bob.options.env, P2PCHAT_WEB_LISTEN: new URL(bobPage.url()).host };
      await bob.stop();
      await bobPage
        .getByRole('status')
        .filter({ hasText: /stopped|not answering/ })
        .waitFor();
      assert.equal((await alice.cli(['send', bob.peerId, 'sent while you were away'])).code, 0);
      await bob.start();
      await bobPage.locator('li.message.in', { hasText: 'sent while you were away' }).waitFor({ timeout: 30_000 });
      await bobPage.getByRole('status').filter({ hasText: 'live' }).waitFor();
    } finally {
      await bobPage.context().close();
    }
  });

  it('holds a stranger’s messages as a request until accepted, and shows peers and status', async () => {
    const carol = await startDaemon({ name: 'carol' });
    assert.equal((await carol.cli(['connect', bob.address])).code, 0);
    assert.equal((await carol.cli(['send', bob.peerId, 'hi, we met at the meetup'])).code, 0);
    const bobPage = await openApp(bob);
    try {
      const request = conversationLink(bobPage, carol);
      await request.filter({ hasText: 'stranger' }).waitFor();
      await request.click();
      await bobPage.locator('li.message.in.request', { hasText: 'we met at the meetup' }).waitFor();
      await bobPage.screenshot({ path: join(shots, 'request.png') });
      await bobPage.getByRole('button', { name: 'Accept' }).click();
      await waitFor('carol to be a contact', async () => (await trustOf(bob, carol)) === 'contact');
      await bobPage.getByRole('navigation', { name: 'Conversations' }).getByText('carol').waitFor();

      await bobPage.getByRole('link', { name: 'Peers' }).click();
      await bobPage.getByRole('button', { name: 'Block carol' }).click();
      await bobPage.getByRole('button', { name: 'Unblock carol' }).waitFor();
      assert.equal(await trustOf(bob, carol), 'blocked');
      await bobPage.screenshot({ path: join(shots, 'peers.png') });
      await bobPage.getByRole('button', { name: 'Unblock carol' }).click();
      await bobPage.getByRole('button', { name: 'Block carol' }).waitFor();

      await bobPage.getByRole('link', { name: 'Status' }).click();
      await bobPage.getByText(bob.peerId, { exact: true }).waitFor();
      // Reachability as `p2pchat status` words it (beyond the LAN is off in tests).
      await bobPage.getByText('LAN only (beyond the LAN is off; see docs/wan.md)', { exact: true }).waitFor();
      await bobPage.screenshot({ path: join(shots, 'status.png') });
      await bobPage.getByRole('button', { name: 'Log out of this browser' }).click();
      await bobPage.getByText('This browser is not logged in').waitFor();
      await bobPage.reload();
      assert.match(await bobPage.locator('body').innerText(), /Not logged in/);
    } finally {
      await bobPage.context().close();
    }
  });

  it('works in a phone-sized window: the list, then the conversation with a way back', async () => {
    const alicePage = await openApp(alice, { width: 390, height: 760 });
    try {
      await conversationLink(alicePage, bob).waitFor();
      await alicePage.screenshot({ path: join(shots, 'narrow-list.png') });
      await conversationLink(alicePage, bob).click();
      await alicePage.getByRole('textbox', { name: 'Message' }).fill('from my phone');
      await alicePage.keyboard.press('Enter');
      await alicePage.locator('li.message.out', { hasText: 'from my phone' }).locator('.tick[data-state="delivered"]').waitFor();
      assert.equal(await conversationLink(alicePage, bob).isVisible(), false, 'the list gives way to the conversation');
      await alicePage.screenshot({ path: join(shots, 'narrow-chat.png') });
      await alicePage.getByRole('link', { name: '← Chats' }).click();
      await conversationLink(alicePage, bob).waitFor();
    } finally {
      await alicePage.context().close();
    }
  });

  it('logged no script errors in any page', () => {
    assert.deepEqual(scriptErrors(pageErrors), []);
  });
});
