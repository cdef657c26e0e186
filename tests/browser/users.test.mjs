// Users and roles (the security administrator): create a user with the server's validation
// errors shown next to the fields, assign and remove a role, deactivate and reactivate, and
// the rule that one's own account cannot be changed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiClient, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer({ users: [{ username: 'secadmin1', role: 'secadmin' }] });
});
after(() => srv?.stop());

test('create a user, assign and remove a role, deactivate and reactivate', { timeout: 120000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'secadmin1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-users"]').click();
		await page.locator('[data-test="users-table"] .el-table__row').first().waitFor();

		// A username the server refuses (too short): its message appears next to the field.
		await page.locator('[data-test="users-create"]').click();
		const dialog = page.locator('[data-test="users-create-dialog"]');
		await dialog.locator('input[name="username"]').waitFor();
		await dialog.locator('input[name="username"]').fill('w');
		await dialog.locator('input[name="display_name"]').fill('王芳');
		await dialog.locator('input[name="password"]').fill('Heping-Road#88x');
		await page.locator('[data-test="users-create-submit"]').click();
		const usernameError = dialog.locator('.el-form-item:has(input[name="username"]) .el-form-item__error');
		await usernameError.waitFor();
		assert.match(await usernameError.innerText(), /2 characters/);

		// Corrected, with a first role over 青和居社区 picked in the area tree.
		await dialog.locator('input[name="username"]').fill('wangfang');
		await page.locator('[data-test="create-role"]').first().click();
		await page.locator('.el-select-dropdown__item:visible', { hasText: '网格员' }).click();
		await dialog.locator('[data-test="area-select"]').click();
		const tree = page.locator('.area-select-popper:visible');
		for (const name of ['青山区', '工人村街道']) {
			await tree.locator('.el-tree-node__content', { hasText: name }).first().locator('.el-tree-node__expand-icon').click();
		}
		await tree.locator('.el-tree-node__content', { hasText: '青和居社区' }).first().click();
		await page.locator('[data-test="users-create-submit"]').click();

		// The new user's page.
		const roles = page.locator('[data-test="user-roles"]');
		await roles.locator('.el-table__row').first().waitFor();
		assert.match(page.url(), /\/users\/\d+/);
		assert.match(await roles.innerText(), /网格员/);
		assert.match(await roles.innerText(), /420107005008/);
		assert.match(await page.locator('[data-test="user"]').innerText(), /待改密码/);

		// A second role, then remove it again.
		await page.locator('[data-test="add-role"]').first().click();
		await page.locator('.el-select-dropdown__item:visible', { hasText: '敲门组成员' }).click();
		await page.locator('[data-test="user-add-role"] [data-test="area-select"]').click();
		await page.locator('.area-select-popper:visible .el-tree-node__content', { hasText: '青山区' }).first().click();
		await page.locator('[data-test="add-role-submit"]').click();
		await roles.locator('.el-table__row', { hasText: '敲门组成员' }).waitFor();
		await roles.locator('.el-table__row', { hasText: '敲门组成员' }).getByRole('button').click();
		await page.locator('.el-message-box__btns .el-button--primary').click();
		await roles.locator('.el-table__row', { hasText: '敲门组成员' }).waitFor({ state: 'detached' });

		// Deactivate (confirmed), then reactivate.
		await page.locator('[data-test="user-deactivate"]').click();
		await page.locator('.el-message-box__btns .el-button--primary').click();
		await page.locator('[data-test="user-reactivate"]').waitFor();
		assert.match(await page.locator('[data-test="user"]').innerText(), /已停用/);
		await page.locator('[data-test="user-reactivate"]').click();
		await page.locator('[data-test="user-deactivate"]').waitFor();

		// The list finds the user by name.
		await page.goto(srv.url + '/users');
		await page.locator('input[data-test="users-search"]').fill('王芳');
		await page.locator('[data-test="users-search-button"]').click();
		await page.locator('[data-test="users-table"] .el-table__row', { hasText: 'wangfang' }).waitFor();
		assert.equal(await page.locator('[data-test="users-table"] .el-table__row').count(), 1);
	});
	// The account exists on the server with the role and must change its password.
	const admin = await apiClient(srv.url, 'secadmin1', PASSWORD);
	const list = await admin('GET', '/api/v1/users?q=wangfang');
	const u = list.json.items.find((x) => x.username === 'wangfang');
	assert.ok(u, 'created');
	assert.equal(u.active, true);
	assert.deepEqual(u.roles.map((r) => [r.role, r.area_code]), [['grid_worker', '420107005008']]);
});

test("the security administrator's own account offers no changes", { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'secadmin1', PASSWORD);
		await page.goto(srv.url + '/users/1');
		await page.locator('[data-test="user-roles"]').waitFor();
		assert.match(await page.locator('[data-test="user"]').innerText(), /your own account/);
		assert.equal(await page.locator('[data-test="user-deactivate"]').count(), 0);
		assert.equal(await page.locator('[data-test="user-reset"]').count(), 0);
		assert.equal(await page.locator('[data-test="user-add-role"]').count(), 0);
	});
});

test('the area chosen in the header is kept in the URL and filters the list', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'secadmin1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-users"]').click();
		await page.locator('[data-test="users-table"] .el-table__row').first().waitFor();
		await page.locator('header [data-test="area-select"]').click();
		const tree = page.locator('.area-select-popper:visible');
		await tree.locator('.el-tree-node__content', { hasText: '青山区' }).first().locator('.el-tree-node__expand-icon').click();
		await tree.locator('.el-tree-node__content', { hasText: '工人村街道' }).first().click();
		await page.waitForURL(/area=420107005\b/);
		await page.locator('[data-test="users"]', { hasText: '工人村街道' }).waitFor();
		// Kept when moving to another page and after a reload.
		await page.locator('[data-test="side-menu"] [data-test="menu-home"]').click();
		await page.waitForURL(/\/\?area=420107005\b/);
		await page.reload();
		await page.locator('[data-test="home"]', { hasText: '工人村街道' }).waitFor();
	});
});
