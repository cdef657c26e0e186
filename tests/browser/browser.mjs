// Debian's Chromium driven by playwright-core (never a downloaded browser), with a fresh profile
// per browser, and a watch on every page for CSP violations and uncaught errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/**
 * A browser context in a fresh profile directory. options: viewport, locale (the browser's
 * language, which the app follows on a first visit). Resolves {context, page, problems, close()}:
 * problems lists every CSP violation, page error and uncaught exception seen on any page.
 */
export async function openBrowser({ viewport = { width: 1280, height: 800 }, locale = 'zh-CN' } = {}) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'doorstep-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: [...ARGS, `--lang=${locale}`],
		viewport,
		locale,
		timeout: 60000,
	});
	const problems = [];
	const watch = (page) => {
		page.on('console', (msg) => {
			const text = msg.text();
			if (/Content[- ]Security[- ]Policy|Refused to (load|execute|apply|evaluate|connect|frame)/i.test(text))
				problems.push(`CSP (console ${msg.type()}): ${text}`);
		});
		page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
	};
	// Violations reported by the page itself (securitypolicyviolation events), which also catch
	// the ones that the console does not show.
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			const w = window;
			(w.__cspViolations ||= []).push(`${e.violatedDirective} ${e.blockedURI || ''} ${e.sourceFile || ''}:${e.lineNumber || ''}`);
		});
	});
	context.on('page', watch);
	for (const p of context.pages()) watch(p);
	const page = context.pages()[0] ?? (await context.newPage());
	page.setDefaultTimeout(15000);
	return {
		context,
		page,
		problems,
		/** CSP violations recorded inside the page so far, added to problems. */
		async collect(p = page) {
			const v = await p.evaluate(() => window.__cspViolations ?? []).catch(() => []);
			for (const x of v) problems.push(`CSP (event): ${x}`);
			await p.evaluate(() => (window.__cspViolations = [])).catch(() => {});
			return problems;
		},
		/** Fails the test if any CSP violation or page error was seen. */
		async assertClean() {
			for (const p of context.pages()) await this.collect(p);
			assert.deepEqual(problems, [], 'the browser reported CSP violations or page errors');
		},
		async close() {
			await context.close();
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}

/** Fill in and send the login form (the page is loaded first unless {goto: false}). */
export async function login(page, url, username, password, { goto = true } = {}) {
	if (goto) await page.goto(url + '/login');
	await page.locator('input[name="username"]').fill(username);
	await page.locator('input[name="password"]').fill(password);
	await page.locator('[data-test="login-submit"]').click();
}

/** Log in and wait for the layout's home page. */
export async function loginToHome(page, url, username, password) {
	await login(page, url, username, password);
	await page.locator('[data-test="home"]').waitFor();
}

/** Open a browser, run fn(b), check that no CSP violation or page error happened, close. */
export async function withBrowser(options, fn) {
	const b = await openBrowser(options);
	try {
		await fn(b);
		await b.assertClean();
	} finally {
		await b.close();
	}
}

/** The texts of the side menu's entries, by their data-test names (menu-home, menu-users, ...). */
export async function menuEntries(page, menu = 'side-menu') {
	const loc = page.locator(`[data-test="${menu}"] [data-test^="menu-"]`);
	await loc.first().waitFor();
	return loc.evaluateAll((els) => els.map((e) => e.getAttribute('data-test')));
}

/** A logged-in API client for setting up data (cookie + CSRF token), using fetch. */
export async function apiClient(url, username, password) {
	const r = await fetch(url + '/api/v1/session', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ username, password }),
	});
	assert.equal(r.status, 200, `login ${username}: ${r.status}`);
	const cookie = r.headers.get('set-cookie').split(';')[0];
	const { csrf_token: csrf } = await r.json();
	return async (method, path, body) => {
		const res = await fetch(url + path, {
			method,
			headers: {
				Cookie: cookie,
				...(method === 'GET' ? {} : { 'X-CSRF-Token': csrf }),
				...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		return { status: res.status, json: text ? JSON.parse(text) : null };
	};
}
