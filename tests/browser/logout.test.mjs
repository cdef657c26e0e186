// Logging out: back to the login page, and the session is gone on the server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { login, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff1', role: 'community_staff', area: '420107005008' },
			{ username: 'secadmin1', role: 'secadmin' },
		],
	});
});
after(() => srv?.stop());

test('log out returns to the login page and /api/v1/me answers 401', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		assert.equal(await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status)), 200);
		await page.locator('[data-test="user-button"]').click();
		await page.locator('[data-test="user-logout"]').click();
		await page.locator('[data-test="login-form"]').waitFor();
		assert.match(page.url(), /\/login/);
		assert.match(await page.locator('[data-test="login-notice"]').innerText(), /已安全退出/);
		assert.equal(await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status)), 401);
		// Going back to a page of the app asks for a login again.
		await page.goto(srv.url + '/profile');
		await page.locator('[data-test="login-form"]').waitFor();
	});
});

test('a session ended elsewhere sends the user to the login page on the next call', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page, context }) => {
		await loginToHome(page, srv.url, 'secadmin1', PASSWORD);
		await context.clearCookies();
		// The users page asks the API for the list: 401, so the app goes to the login page,
		// and comes back to the page after the next login.
		await page.locator('[data-test="side-menu"] [data-test="menu-users"]').click();
		await page.locator('[data-test="login-form"]').waitFor();
		assert.match(await page.locator('[data-test="login-notice"]').innerText(), /session has ended/);
		assert.match(page.url(), /redirect=%2Fusers|redirect=\/users/);
		await login(page, srv.url, 'secadmin1', PASSWORD, { goto: false });
		await page.locator('[data-test="users-table"]').waitFor();
	});
});
