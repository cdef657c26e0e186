// The partners page for staff with partners.manage: a district administrator opens a partner unit,
// pairs it with a community and adds a member through the person picker; community staff check a
// cadre in at their community.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiClient, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

const COMMUNITY = '420107005008'; // 青和居社区

let srv, unitId;

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'dist1', role: 'district_admin' },
			{ username: 'staff1', role: 'community_staff', area: COMMUNITY },
			{ username: 'cadre1', role: 'cadre', area: COMMUNITY },
			{ username: 'cadre2', role: 'cadre', area: COMMUNITY },
		],
	});
	const dist = await apiClient(srv.url, 'dist1', PASSWORD);
	const unit = await dist('POST', '/api/v1/partners', { name: '武钢集团有限公司', kind: 'enterprise' });
	assert.equal(unit.status, 201, JSON.stringify(unit.json));
	unitId = unit.json.id;
});
after(() => srv?.stop());

/** Pick a person in the visible person picker by username. */
async function pickPerson(page, scope, username) {
	await scope.locator('[data-test="person-picker"]').first().click();
	await page.locator('.el-select-dropdown__item:visible', { hasText: username }).first().click();
}

/** Pick 青和居社区 in the area tree of scope, opening the branches above it (the tree starts at the caller's scope). */
async function pickCommunity(page, scope, above = ['青山区', '工人村街道']) {
	await scope.locator('[data-test="area-select"]').first().click();
	const tree = page.locator('.area-select-popper:visible');
	for (const name of above) {
		await tree.locator('.el-tree-node__content', { hasText: name }).first().locator('.el-tree-node__expand-icon').click();
	}
	await tree.locator('.el-tree-node__content', { hasText: '青和居社区' }).first().click();
}

test('a district administrator pairs a unit with a community and adds a member', async () => {
	await withBrowser({}, async ({ page }) => {
		await loginToHome(page, srv.url, 'dist1', PASSWORD);
		await page.goto(srv.url + '/partners?tab=partners');
		await page.locator('[data-test="partner-open"]').first().click();
		const dialog = page.locator('[data-test="partner-dialog"]');
		await dialog.locator('[data-test="pair-add"]').waitFor();
		await pickCommunity(page, dialog);
		await dialog.locator('[data-test="pair-add"]').click();
		await dialog.locator('[data-test="partner-area"]', { hasText: '青和居社区' }).waitFor();
		await pickPerson(page, dialog, 'cadre1');
		await dialog.locator('[data-test="member-add"]').click();
		await dialog.locator('[data-test="partner-member"]', { hasText: 'cadre1' }).waitFor();
	});
	const dist = await apiClient(srv.url, 'dist1', PASSWORD);
	const unit = (await dist('GET', `/api/v1/partners/${unitId}`)).json;
	assert.deepEqual(unit.areas.map((a) => a.code), [COMMUNITY]);
	assert.deepEqual(unit.members.map((m) => m.username), ['cadre1']);
});

test('community staff check a cadre in, on a phone', async () => {
	await withBrowser({ viewport: { width: 375, height: 740 } }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(srv.url + '/partners?tab=cadres');
		await page.locator('[data-test="cadre-checkin"]').click();
		const dialog = page.locator('[data-test="checkin-dialog"]');
		await pickPerson(page, dialog, 'cadre2');
		await pickCommunity(page, dialog, []);
		await dialog.locator('input[name="skills"]').fill('水电维修，法律咨询');
		await dialog.locator('input[name="availability"]').fill('周六上午');
		await dialog.locator('[data-test="checkin-save"]').click();
		await page.locator('[data-test="cadres-table"] .el-table__row', { hasText: 'cadre2' }).waitFor();
		const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
		assert.equal(wide, false, 'no horizontal scrolling');
	});
	const staff = await apiClient(srv.url, 'staff1', PASSWORD);
	const cadres = (await staff('GET', '/api/v1/cadres')).json.items;
	const c = cadres.find((x) => x.username === 'cadre2');
	assert.equal(c.community, COMMUNITY);
	assert.equal(c.skills, '水电维修,法律咨询');
});
