// The side menu shows only what the user's permissions allow, and the pages behind the menu
// entries are guarded too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loginToHome, menuEntries, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'secadmin1', role: 'secadmin' },
			{ username: 'auditor1', role: 'auditor' },
			{ username: 'staff1', role: 'community_staff', area: '420107005008' },
			{ username: 'knock1', role: 'doorknocker', area: '420107005008' },
		],
	});
});
after(() => srv?.stop());

test('the security administrator sees Users and roles, not the audit log', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'secadmin1', PASSWORD);
		const menu = await menuEntries(page);
		assert.ok(menu.includes('menu-users'), menu.join());
		assert.ok(!menu.includes('menu-audit'), menu.join());
		assert.ok(menu.includes('menu-home') && menu.includes('menu-profile'), menu.join());
		assert.match(await page.locator('[data-test="side-menu"]').innerText(), /用户与角色/);
		// The users page lists the accounts.
		await page.locator('[data-test="side-menu"] [data-test="menu-users"]').click();
		await page.locator('[data-test="users-table"] .el-table__row').first().waitFor();
		const table = await page.locator('[data-test="users-table"]').innerText();
		for (const u of ['secadmin1', 'auditor1', 'staff1']) assert.match(table, new RegExp(u));
		// The area selector is there (areas.read) and offers the scope root.
		await page.locator('[data-test="area-select"]').click();
		await page.locator('.area-select-popper .el-tree-node__content', { hasText: '青山区' }).waitFor();
		// The audit page is not reachable by URL either.
		await page.goto(srv.url + '/audit');
		await page.locator('[data-test="home"]').waitFor();
	});
});

test('the auditor sees the audit log, not Users and roles', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'auditor1', PASSWORD);
		const menu = await menuEntries(page);
		assert.ok(menu.includes('menu-audit'), menu.join());
		assert.ok(!menu.includes('menu-users'), menu.join());
		// No areas.read: no area selector.
		assert.equal(await page.locator('[data-test="area-select"]').count(), 0);
		await page.locator('[data-test="side-menu"] [data-test="menu-audit"]').click();
		await page.locator('[data-test="audit-table"] .el-table__row').first().waitFor();
		assert.match(await page.locator('[data-test="audit-table"]').innerText(), /login/);
		await page.goto(srv.url + '/users');
		await page.locator('[data-test="home"]').waitFor();
	});
});

test('community staff see neither Users nor the audit log', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		const menu = await menuEntries(page);
		assert.deepEqual(menu.sort(), [
			'menu-alerts',
			'menu-areas',
			'menu-home',
			'menu-life-events',
			'menu-order-new',
			'menu-order-requests',
			'menu-order-stats',
			'menu-orders',
			'menu-partners',
			'menu-profile',
			'menu-residents',
			'menu-residents-import',
			'menu-visit-overview',
			'menu-visit-plan',
			'menu-visit-teams',
			'menu-visit-today',
		]);
		assert.match(await page.locator('[data-test="side-menu"] [data-test="group-visits"]').innerText(), /敲门走访[\s\S]*今日敲门[\s\S]*排班计划[\s\S]*福利预警/);
		// The registry's pages are one group of the menu.
		assert.match(await page.locator('[data-test="side-menu"] [data-test="group-registry"]').innerText(), /居民户籍[\s\S]*待确认变动/);
		assert.match(await page.locator('[data-test="side-menu"] [data-test="group-orders"]').innerText(), /工单[\s\S]*登记诉求[\s\S]*工单统计/);
		for (const p of ['/users', '/audit', '/users/1']) {
			await page.goto(srv.url + p);
			await page.locator('[data-test="home"]').waitFor();
			assert.equal(new URL(page.url()).pathname, '/', p);
		}
	});
});

test('a door-knocker sees today’s doors but neither the planning, the overview nor the alerts', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'knock1', PASSWORD);
		const menu = await menuEntries(page);
		assert.ok(menu.includes('menu-visit-today'), menu.join());
		for (const m of ['menu-visit-plan', 'menu-visit-overview', 'menu-alerts', 'menu-visit-teams']) assert.ok(!menu.includes(m), menu.join());
		for (const p of ['/visits/plan', '/visits/overview', '/alerts', '/visits/teams']) {
			await page.goto(srv.url + p);
			await page.locator('[data-test="home"]').waitFor();
		}
	});
});

test('an unknown client route shows the 404 page', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(srv.url + '/no/such/page');
		await page.locator('[data-test="not-found"]').waitFor();
		assert.match(await page.locator('[data-test="not-found"]').innerText(), /Page not found/);
	});
});
