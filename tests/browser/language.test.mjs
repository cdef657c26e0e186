// Chinese and English: the first visit follows the browser's language; the switch in the header
// and on the login page changes every visible label and is remembered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer({ users: [{ username: 'secadmin1', role: 'secadmin' }] });
});
after(() => srv?.stop());

async function switchTo(page, code) {
	await page.locator('[data-test="lang-button"]').first().click();
	await page.locator(`[data-test="lang-${code}"]`).click();
}

test('the first visit follows the browser language', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await page.goto(srv.url + '/login');
		await page.locator('[data-test="login-form"]').waitFor();
		assert.match(await page.locator('[data-test="login-submit"]').innerText(), /Log in/);
		assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
	});
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await page.goto(srv.url + '/login');
		await page.locator('[data-test="login-form"]').waitFor();
		assert.match(await page.locator('[data-test="login-submit"]').innerText(), /登\s*录/);
		assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
	});
});

test('switching zh ↔ en changes the labels, and the choice is remembered', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		// On the login page.
		await page.goto(srv.url + '/login');
		await page.locator('[data-test="login-form"]').waitFor();
		await switchTo(page, 'en');
		await page.locator('[data-test="login-submit"]', { hasText: 'Log in' }).waitFor();
		assert.match(await page.locator('[data-test="login-form"]').innerText(), /Username/);

		// In the layout: still English after logging in.
		await loginToHome(page, srv.url, 'secadmin1', PASSWORD);
		const menu = page.locator('[data-test="side-menu"]');
		assert.match(await menu.innerText(), /Home/);
		assert.match(await menu.innerText(), /Users and roles/);
		assert.match(await page.locator('[data-test="home"]').innerText(), /My roles and areas/);
		assert.match(await page.locator('[data-test="home-roles"]').innerText(), /Security administrator/);

		await switchTo(page, 'zh-CN');
		await menu.locator('text=用户与角色').waitFor();
		assert.match(await menu.innerText(), /首页/);
		assert.doesNotMatch(await menu.innerText(), /Users and roles/);
		assert.match(await page.locator('[data-test="home-roles"]').innerText(), /安全管理员/);

		// Element Plus follows too (its own texts, e.g. an empty table).
		await switchTo(page, 'en');
		await menu.locator('text=Users and roles').waitFor();
		await page.locator('[data-test="side-menu"] [data-test="menu-users"]').click();
		await page.locator('input[data-test="users-search"]').fill('no-such-user-here');
		await page.locator('[data-test="users-search-button"]').click();
		await page.locator('[data-test="users-table"]', { hasText: 'Nothing here' }).waitFor();

		// Remembered across a reload.
		await page.reload();
		await page.locator('[data-test="users-table"]').waitFor();
		assert.match(await menu.innerText(), /Users and roles/);
		assert.equal(await page.evaluate(() => localStorage.getItem('doorstep.locale')), 'en');
	});
});
