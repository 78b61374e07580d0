#!/usr/bin/env node
// tests/tools/browser_flow.js — drives Debian's headless chromium through the DevTools protocol
// (puppeteer-core) over the dashboard, as a person would: no request is hand-made and no header is
// set by this script; every request is the browser's own, from clicking and typing.
//
//   node browser_flow.js   (settings in the environment, set by tests/e2e/t0645-http-browser.sh)
//     CHROMIUM   the browser            U       the tracker (http://127.0.0.1:PORT)
//     ATTACKER   another origin (a second local port) serving attack-*.html
//     RW, RO     a read-write and a read-only API token
//     ITEM1..3   item paths ("/items/INC-…%23KEY"); INCIDENT an incident path
//     SHOTS      the directory for the screenshots (one per step)
//     OUT        a file to write results for the shell (feed URL)
//
// Prints "ok - …" per check; the first failed check prints "not ok - …" and exits 1.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} is not set`);
	return process.env[k];
};
const U = env('U');
const ATTACKER = env('ATTACKER');
const SHOTS = env('SHOTS');
let step = 0;

function ok(cond, what) {
	if (!cond) {
		console.log(`not ok - ${what}`);
		throw new Error(`check failed: ${what}`);
	}
	console.log(`ok - ${what}`);
}

async function shot(page, name) {
	step++;
	const file = path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	console.log(`# screenshot ${file}`);
}

// Clicks and waits for the navigation the click starts; returns the main response.
async function clickNav(page, selector) {
	const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
	return resp;
}

async function text(page, selector) {
	return page.$eval(selector, (e) => e.textContent.trim());
}

async function signIn(page, token, startPath) {
	let resp = await page.goto(U + startPath, { waitUntil: 'load' });
	ok(new URL(page.url()).pathname === '/login', `not signed in, ${startPath} leads to the sign-in page`);
	ok(resp.status() === 200, 'the sign-in page answers 200');
	await page.type('#token', token);
	resp = await clickNav(page, '#signin');
	return resp;
}

async function noSidewaysScroll(page, what) {
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	const vw = await page.evaluate(() => window.innerWidth);
	ok(w <= vw, `${what}: no sideways scroll at ${vw} px (content ${w} px wide)`);
}

async function main() {
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-chromium-'));
	const args = ['--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'];
	if (process.getuid && process.getuid() === 0) args.push('--no-sandbox'); // chromium refuses root otherwise
	const browser = await puppeteer.launch({ executablePath: env('CHROMIUM'), headless: true, args, userDataDir });
	const out = {};
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1024, height: 800 });
		page.on('dialog', (d) => d.dismiss());

		// 1. An item link from a reminder, not signed in: sign in, and come back to the item.
		let resp = await signIn(page, env('RW'), env('ITEM1'));
		await shot(page, 'signed-in-back-at-item');
		ok(resp.status() === 200, 'sign-in answers with the page asked for (200 after the redirect)');
		ok(U + env('ITEM1') === page.url(), `back at ${env('ITEM1')} after sign-in`);
		ok((await text(page, '#who')) === 'ana', 'the page names who is signed in');
		const cookies = await page.cookies(U);
		const sess = cookies.find((c) => c.name === 'tracker_session');
		ok(sess && sess.httpOnly && sess.sameSite === 'Strict', 'session cookie is HttpOnly and SameSite=Strict');
		ok(sess.value !== env('RW'), 'the cookie is a session id, not the API token');

		// 2. The dashboard: item links, the snoozed mark, the checklist.
		resp = await page.goto(U + '/', { waitUntil: 'load' });
		ok(resp.status() === 200, 'the dashboard answers 200');
		await shot(page, 'dashboard');
		const links = await page.$$eval('a.item', (as) => as.map((a) => a.getAttribute('href')));
		ok(links.length > 0, `the dashboard links its items (${links.length} links)`);
		ok((await page.$$('.snz')).length > 0, 'a snoozed item is marked');
		const blocked = await text(page, '#checklist');
		ok(/blocked by/.test(blocked), 'the checklist says what blocks a line');

		// 3. Follow an item link, mark it done with the button.
		resp = await clickNav(page, `a.item[href="${env('ITEM2')}"]`);
		ok(resp.status() === 200, `following the dashboard's link to ${env('ITEM2')} gives 200`);
		await shot(page, 'item');
		ok((await page.$$('#history li')).length > 0, 'the item page shows its history');
		resp = await clickNav(page, '#done');
		ok(resp.status() === 200 && page.url() === U + env('ITEM2'), 'Mark done comes back to the item');
		ok((await text(page, '#status')) === 'done', 'the item is done');
		ok((await page.$('#reopen')) !== null, 'a done item offers Reopen');
		await shot(page, 'item-done');
		resp = await clickNav(page, '#reopen');
		ok((await text(page, '#status')) === 'open', 'Reopen opens it again');
		resp = await clickNav(page, '#done');
		ok((await text(page, '#status')) === 'done', 'and it is done again');

		// Won't do needs a reason; with one it is recorded.
		await page.goto(U + env('ITEM1'), { waitUntil: 'load' });
		await page.type('#reason', 'superseded by the new runbook');
		resp = await clickNav(page, '#wont_do');
		ok((await text(page, '#status')) === 'wont_do', "Won't do with a reason");
		ok(/superseded by the new runbook/.test(await text(page, '#history')), 'the reason is in the history');
		await shot(page, 'item-wont-do');

		// The incident page: its checklist and items.
		resp = await page.goto(U + env('INCIDENT'), { waitUntil: 'load' });
		ok(resp.status() === 200, 'the incident page answers 200');
		ok((await page.$$('#items a.item')).length > 0, 'the incident page lists its items');
		ok(/All P0 items completed/.test(await text(page, '#checklist')), 'the incident page shows the Review checklist');
		await shot(page, 'incident');

		// 4. Create a feed.
		await page.goto(U + '/', { waitUntil: 'load' });
		await page.select('#scope', 'all');
		resp = await clickNav(page, '#subscribe-button');
		ok(resp.status() === 200, 'Create a private feed answers 200');
		out.feed = await text(page, '#feed-url');
		ok(/\/feeds\/[A-Za-z0-9_-]{43}\.ics$/.test(out.feed), 'the feed page shows the feed address');
		await shot(page, 'feed-created');

		// 5. Another origin tries the forms, with the browser's own cookies (same host, other port:
		// same site, so SameSite=Strict does not stop them): every one is refused.
		for (const [file, what] of [
			['attack-done.html', 'mark an item done'],
			['attack-subscribe.html', 'create a feed'],
			['attack-logout.html', 'sign the user out'],
			['attack-login.html', 'sign the user in as the attacker'],
		]) {
			const [r] = await Promise.all([
				page.waitForNavigation({ waitUntil: 'load' }),
				page.goto(ATTACKER + '/' + file),
			]);
			ok(r.url().startsWith(U), `${file}: the attacker's form posted to the tracker`);
			ok(r.status() === 403, `another origin cannot ${what} (HTTP ${r.status()})`);
			ok(/Request refused/.test(await page.content()), `${file}: the page says the request was refused`);
			if (file === 'attack-done.html') await shot(page, 'attacker-refused');
		}
		await page.goto(ATTACKER + '/attack-fetch.html', { waitUntil: 'load' });
		await page.waitForFunction(() => window.result !== undefined, { timeout: 10000 });
		const fetched = await page.evaluate(() => window.result);
		ok(fetched.read === 'refused', `another origin cannot read the dashboard with fetch (${fetched.read})`);
		resp = await page.goto(U + '/', { waitUntil: 'load' });
		ok(new URL(page.url()).pathname === '/', 'still signed in after the attacks');

		// 6. Sign out.
		resp = await clickNav(page, '#signout');
		ok(new URL(page.url()).pathname === '/login', 'sign-out leads to the sign-in page');
		await shot(page, 'signed-out');
		await page.goto(U + '/', { waitUntil: 'load' });
		ok(new URL(page.url()).pathname === '/login', 'after sign-out the dashboard asks to sign in');

		// 7. A read-only token sees, cannot change, cannot create feeds.
		resp = await signIn(page, env('RO'), '/');
		ok(new URL(page.url()).pathname === '/', 'read-only sign-in lands on the dashboard');
		ok((await page.$('#readonly')) !== null && (await page.$('#subscribe-button')) === null,
			'read-only: no feed form on the dashboard');
		await page.goto(U + env('ITEM3'), { waitUntil: 'load' });
		ok((await page.$('#readonly')) !== null && (await page.$('#done')) === null, 'read-only: no buttons on the item');
		await shot(page, 'read-only-item');
		await clickNav(page, '#signout');

		// 8. A phone, 390 px wide: dashboard, item and incident pages fit; checklist labels show.
		const phone = await browser.newPage();
		await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
		await signIn(phone, env('RW'), '/');
		await noSidewaysScroll(phone, 'dashboard');
		const labels = await phone.$$eval('#checklist .lbl', (ls) => ls.map((l) => getComputedStyle(l).display));
		ok(labels.length > 0 && labels.every((d) => d !== 'none'), `checklist labels show on a phone (${labels.length})`);
		await shot(phone, 'phone-dashboard');
		await phone.goto(U + env('ITEM3'), { waitUntil: 'load' });
		await noSidewaysScroll(phone, 'item page');
		await shot(phone, 'phone-item');
		await phone.goto(U + env('INCIDENT'), { waitUntil: 'load' });
		await noSidewaysScroll(phone, 'incident page');
		await shot(phone, 'phone-incident');
	} finally {
		await browser.close();
		fs.rmSync(userDataDir, { recursive: true, force: true });
		if (process.env.OUT) fs.writeFileSync(process.env.OUT, JSON.stringify(out));
	}
}

main().then(
	() => process.exit(0),
	(e) => {
		console.error(e && e.stack ? e.stack : e);
		process.exit(1);
	},
);
