// A 360 × 740 phone: the side menu becomes a drawer, and nothing is wider than the screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { login, loginToHome, menuEntries, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

const PHONE = { width: 360, height: 740 };
let srv;
before(async () => {
	srv = await startServer({ users: [{ username: 'secadmin1', role: 'secadmin' }] });
});
after(() => srv?.stop());

async function pageWidth(page) {
	return page.evaluate(() => document.documentElement.scrollWidth);
}

test('on a phone the menu is a drawer that opens and navigates', { timeout: 60000 }, async () => {
	await withBrowser({ viewport: PHONE, locale: 'zh-CN' }, async ({ page }) => {
		await page.goto(srv.url + '/login');
		await page.locator('[data-test="login-form"]').waitFor();
		assert.ok((await pageWidth(page)) <= PHONE.width, 'the login page fits');
		await login(page, srv.url, 'secadmin1', PASSWORD, { goto: false });
		await page.locator('[data-test="home"]').waitFor();

		assert.equal(await page.locator('[data-test="side-menu"]').count(), 0, 'no side menu on a phone');
		const button = page.locator('[data-test="menu-button"]');
		assert.ok(await button.isVisible());
		assert.ok((await pageWidth(page)) <= PHONE.width, 'the home page fits');

		await button.click();
		const drawer = page.locator('[data-test="drawer-menu"]');
		await drawer.waitFor({ state: 'visible' });
		const menu = await menuEntries(page, 'drawer-menu');
		assert.ok(menu.includes('menu-users'), menu.join());
		await drawer.locator('[data-test="menu-users"]').click();
		await page.locator('[data-test="users-table"]').waitFor();
		await drawer.waitFor({ state: 'hidden' });
		assert.match(page.url(), /\/users/);
		assert.ok((await pageWidth(page)) <= PHONE.width, 'the users page fits (its table scrolls inside)');
	});
});

test('on a wide screen there is a side menu and no drawer button', { timeout: 60000 }, async () => {
	await withBrowser({ viewport: { width: 1280, height: 800 } }, async ({ page }) => {
		await loginToHome(page, srv.url, 'secadmin1', PASSWORD);
		assert.ok(await page.locator('[data-test="side-menu"]').isVisible());
		assert.equal(await page.locator('[data-test="menu-button"]').count(), 0);
	});
});
