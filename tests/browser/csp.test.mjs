// The page runs under the server's Content-Security-Policy without violations (every test checks
// that through withBrowser); this file checks that the watch itself works and that the policy is
// really in force on the app's pages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { openBrowser } from './browser.mjs';
import { startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer();
});
after(() => srv?.stop());

test('the app is served with the CSP and loads without violations', { timeout: 60000 }, async () => {
	const b = await openBrowser();
	try {
		const res = await b.page.goto(srv.url + '/login');
		assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self'/);
		await b.page.locator('[data-test="login-form"]').waitFor();
		await b.assertClean();
	} finally {
		await b.close();
	}
});

test('an inline script is refused and the watch reports it', { timeout: 60000 }, async () => {
	const b = await openBrowser();
	try {
		await b.page.goto(srv.url + '/login');
		await b.page.locator('[data-test="login-form"]').waitFor();
		await b.page.evaluate(() => {
			const s = document.createElement('script');
			s.textContent = 'window.__inlineRan = true;';
			document.body.appendChild(s);
		});
		await b.page.waitForTimeout(200);
		assert.equal(await b.page.evaluate(() => window.__inlineRan ?? false), false, 'the inline script did not run');
		await b.collect();
		assert.ok(
			b.problems.some((p) => /CSP/.test(p)),
			`a violation was reported: ${JSON.stringify(b.problems)}`,
		);
	} finally {
		await b.close();
	}
});
