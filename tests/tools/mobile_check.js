#!/usr/bin/env node
// tests/tools/mobile_check.js — opens HTML files in Debian's headless chromium (puppeteer-core) on a
// 390 px wide phone screen and checks that nothing scrolls sideways; keeps a screenshot of each.
//
//   CHROMIUM=/usr/bin/chromium node mobile_check.js SHOT_DIR FILE.html...
// Prints "ok - FILE: …" or "not ok - FILE: …" per file; exits 1 if any is too wide.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

async function main() {
	const [shots, ...files] = process.argv.slice(2);
	if (!shots || !files.length) throw new Error('usage: mobile_check.js SHOT_DIR FILE.html...');
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-chromium-'));
	const args = ['--disable-gpu', '--no-first-run', '--disable-background-networking'];
	if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
	const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM, headless: true, args, userDataDir });
	let bad = 0;
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
		for (const f of files) {
			await page.goto('file://' + path.resolve(f), { waitUntil: 'load' });
			const w = await page.evaluate(() => document.documentElement.scrollWidth);
			const vp = await page.$('meta[name="viewport"]');
			const shot = path.join(shots, path.basename(f, '.html') + '-390.png');
			await page.screenshot({ path: shot, fullPage: true });
			const good = w <= 390 && vp !== null;
			if (!good) bad++;
			console.log(`${good ? 'ok' : 'not ok'} - ${path.basename(f)}: ${w} px wide at 390, viewport meta ${vp ? 'present' : 'MISSING'} (${shot})`);
		}
	} finally {
		await browser.close();
		fs.rmSync(userDataDir, { recursive: true, force: true });
	}
	return bad;
}

main().then(
	(bad) => process.exit(bad ? 1 : 0),
	(e) => {
		console.error(e && e.stack ? e.stack : e);
		process.exit(2);
	},
);
