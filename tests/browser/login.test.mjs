// Logging in: wrong password, locked account, the layout after a good login, and the forced
// password change for a new account.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiClient, login, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'secadmin1', role: 'secadmin' },
			{ username: 'staff1', role: 'community_staff', area: '420107005008' },
			{ username: 'locked1', role: 'grid_worker', area: '420107005008' },
		],
	});
});
after(() => srv?.stop());

test('a wrong password shows a clear message and no layout', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await login(page, srv.url, 'staff1', 'Not-the-password-1');
		const error = page.locator('[data-test="login-error"]');
		await error.waitFor();
		assert.match(await error.innerText(), /用户名或密码错误/);
		assert.equal(await page.locator('[data-test="side-menu"]').count(), 0);
		assert.match(page.url(), /\/login/);
	});
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await login(page, srv.url, 'nobody-here', 'Not-the-password-1');
		await page.locator('[data-test="login-error"]').waitFor();
		assert.match(await page.locator('[data-test="login-error"]').innerText(), /Wrong username or password/);
	});
});

test('the right password shows the layout with the user and their role', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="side-menu"]').waitFor();
		assert.match(await page.locator('[data-test="brand"]').innerText(), /家门口/);
		assert.match(await page.locator('[data-test="user-button"]').innerText(), /staff1/);
		const roles = await page.locator('[data-test="home-roles"]').innerText();
		assert.match(roles, /社区工作人员/);
		assert.match(roles, /青和居社区/);
		// A reload keeps the session (GET /me gives back the user and the CSRF token).
		await page.reload();
		await page.locator('[data-test="home"]').waitFor();
		assert.match(await page.locator('[data-test="user-button"]').innerText(), /staff1/);
	});
});

test('a page asked for before logging in is shown after it', { timeout: 60000 }, async () => {
	await withBrowser({}, async ({ page }) => {
		await page.goto(srv.url + '/profile');
		await page.locator('[data-test="login-form"]').waitFor();
		assert.match(page.url(), /\/login\?redirect=/);
		await login(page, srv.url, 'staff1', PASSWORD, { goto: false });
		await page.locator('[data-test="profile"]').waitFor();
		assert.equal(await page.locator('[data-test="profile-username"]').innerText(), 'staff1');
	});
});

test('a locked account says how many minutes are left', { timeout: 60000 }, async () => {
	// Fail until the server locks the account (5 failures by default).
	let status = 0;
	for (let i = 0; i < 10 && status !== 423; i++) {
		const r = await fetch(srv.url + '/api/v1/session', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ username: 'locked1', password: 'Wrong-password-9' }),
		});
		status = r.status;
	}
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await login(page, srv.url, 'locked1', PASSWORD);
		const error = page.locator('[data-test="login-error"]');
		await error.waitFor();
		assert.match(await error.innerText(), /locked\. Try again in \d+ min/);
		assert.match(page.url(), /\/login/);
	});
});

test('a new account must change its password before anything else', { timeout: 90000 }, async () => {
	const admin = await apiClient(srv.url, 'secadmin1', PASSWORD);
	const initial = 'Heping-Road#88x';
	const created = await admin('POST', '/api/v1/users', {
		username: 'newcomer',
		display_name: '新同事',
		password: initial,
		roles: [{ role: 'grid_worker', area_code: '420107005008' }],
	});
	assert.equal(created.status, 201, JSON.stringify(created.json));

	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await login(page, srv.url, 'newcomer', initial);
		await page.locator('[data-test="password-form"]').waitFor();
		assert.match(page.url(), /\/password\/change$/);
		// Nothing else is reachable.
		for (const p of ['/', '/profile', '/users']) {
			await page.goto(srv.url + p);
			await page.locator('[data-test="password-form"]').waitFor();
			assert.match(page.url(), /\/password\/change$/, p);
		}
		// A common password passes the checks in the page; the server's 422 message on
		// new_password is shown next to that field.
		await page.locator('input[name="current_password"]').fill(initial);
		await page.locator('input[name="new_password"]').fill('Q1w2e3r4t5');
		await page.locator('input[name="repeat"]').fill('Q1w2e3r4t5');
		await page.locator('[data-test="password-submit"]').click();
		const fieldError = page.locator('[data-test="password-form"] .el-form-item:has(input[name="new_password"]) .el-form-item__error');
		await fieldError.waitFor();
		assert.match(await fieldError.innerText(), /common/);
		// A good one.
		await page.locator('input[name="new_password"]').fill('Wuchang-Bridge-7');
		await page.locator('input[name="repeat"]').fill('Wuchang-Bridge-7');
		await page.locator('[data-test="password-submit"]').click();
		await page.locator('[data-test="home"]').waitFor();
		await page.locator('[data-test="side-menu"]').waitFor();
	});
});
