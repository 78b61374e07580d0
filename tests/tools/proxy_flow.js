#!/usr/bin/env node
// tests/tools/proxy_flow.js — headless chromium (puppeteer-core) behind a reverse proxy and under a
// DNS-rebinding name; no request is hand-made, no header set by this script.
//
//   PROXIED   the tracker through the proxy, with its path prefix (http://127.0.0.1:NPORT/tracker)
//   ITEM      an item path under it ("/items/INC-…%23KEY")       RW   a read-write API token
//   REBOUND   the tracker's own port under a foreign name (http://evil.example:PORT), which this
//             browser resolves to 127.0.0.1 (--host-resolver-rules), as a rebinding attacker's DNS would
//   CHROMIUM, SHOTS as in browser_flow.js
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} is not set`);
	return process.env[k];
};
function ok(cond, what) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${what}`);
	if (!cond) throw new Error(`check failed: ${what}`);
}

async function main() {
	const P = env('PROXIED');
	const prefix = new URL(P).pathname;
	const rebound = new URL(env('REBOUND'));
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-chromium-'));
	const args = ['--disable-gpu', '--no-first-run', '--disable-background-networking',
		`--host-resolver-rules=MAP ${rebound.hostname} 127.0.0.1`];
	if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
	const browser = await puppeteer.launch({ executablePath: env('CHROMIUM'), headless: true, args, userDataDir });
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1024, height: 800 });
		await page.goto(P + env('ITEM'), { waitUntil: 'load' });
		ok(new URL(page.url()).pathname === prefix + '/login', `through the proxy, the sign-in page is under ${prefix}`);
		await page.type('#token', env('RW'));
		await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#signin')]);
		ok(page.url() === P + env('ITEM'), 'signed in through the proxy, back at the item');
		const cookie = (await page.cookies()).find((c) => c.name === 'tracker_session');
		ok(cookie && cookie.path === prefix + '/', `the session cookie's path is ${prefix}/`);
		const hrefs = await page.$$eval('a[href], form[action]', (es) =>
			es.map((e) => e.getAttribute('href') || e.getAttribute('action')));
		ok(hrefs.length > 0 && hrefs.every((h) => h.startsWith(prefix + '/')), `every link and form is under ${prefix}/`);
		const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#done')]);
		ok(resp.status() === 200 && (await page.$eval('#status', (e) => e.textContent)) === 'done',
			'Mark done through the proxy (Origin is the proxy\'s)');
		await page.screenshot({ path: path.join(env('SHOTS'), 'proxy-item-done.png'), fullPage: true });
		await page.goto(P + '/', { waitUntil: 'load' });
		const dash = await page.$$eval('a.item', (as) => as.map((a) => a.getAttribute('href')));
		ok(dash.length > 0 && dash.every((h) => h.startsWith(prefix + '/items/')), 'dashboard item links carry the prefix');
		await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#signout')]);
		ok(new URL(page.url()).pathname === prefix + '/login', 'signed out through the proxy');

		const r = await page.goto(rebound.href, { waitUntil: 'load' });
		ok(r.status() === 400, `a page loaded as ${rebound.host} (DNS rebinding) is refused (HTTP ${r.status()})`);
		ok(/is not a name of this server/.test(await page.content()), 'and says why');
	} finally {
		await browser.close();
		fs.rmSync(userDataDir, { recursive: true, force: true });
	}
}

main().then(() => process.exit(0), (e) => {
	console.error(e && e.stack ? e.stack : e);
	process.exit(1);
});
