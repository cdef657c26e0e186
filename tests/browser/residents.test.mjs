// The resident registry pages: search by one character of a name with masked numbers in the list,
// the resident page with the unmask dialog (a reason is required: the server's 422 shows next to
// the field), the household page, the register form (422 next to the field, 409 as a message),
// scope (a grid worker of another community finds nothing), and the list on a 360-px phone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiClient, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

const COMMUNITY = '420107005008'; // 青和居社区
const OTHER = '420107005001';

/** An 18-character ID number with its GB 11643 check character. */
function idNumber(first17) {
	const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
	const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
	return first17 + '10X98765432'[sum % 11];
}

const ZHANG = { name: '张小明', id: idNumber('42010719500315001'), phone: '13812345678' };
const LI = { name: '李秀英', id: idNumber('42010720150601002'), phone: '15900001111' };

let srv;
let zhangId;
let householdId;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff1', role: 'community_staff', area: COMMUNITY },
			{ username: 'grid2', role: 'grid_worker', area: OTHER },
			{ username: 'auditor1', role: 'auditor' },
		],
	});
	const staff = await apiClient(srv.url, 'staff1', PASSWORD);
	const h = await staff('POST', '/api/v1/households', { area_code: COMMUNITY, unit: '2', room: '301' });
	assert.equal(h.status, 201, JSON.stringify(h.json));
	householdId = h.json.id;
	const z = await staff('POST', '/api/v1/residents', {
		name: ZHANG.name,
		id_number: ZHANG.id,
		phone: ZHANG.phone,
		household_id: householdId,
		relation: 'head',
		tags: ['party_member'],
	});
	assert.equal(z.status, 201, JSON.stringify(z.json));
	zhangId = z.json.id;
	const l = await staff('POST', '/api/v1/residents', {
		name: LI.name,
		id_number: LI.id,
		phone: LI.phone,
		area_code: COMMUNITY,
	});
	assert.equal(l.status, 201, JSON.stringify(l.json));
});
after(() => srv?.stop());

test('search by one character, masked numbers, open, unmask with a reason, household', { timeout: 120000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-residents"]').click();
		const table = page.locator('[data-test="residents-table"]');
		await table.locator('.el-table__row').nth(1).waitFor();

		// One character of a name finds that resident only.
		await page.locator('input[data-test="residents-search"]').fill('明');
		await page.locator('[data-test="residents-search-button"]').click();
		await table.locator('.el-table__row', { hasText: ZHANG.name }).waitFor();
		await page.waitForFunction(() => document.querySelectorAll('[data-test="residents-table"] .el-table__row').length === 1);
		assert.match(page.url(), /q=%E6%98%8E|q=明/);
		const row = await table.locator('.el-table__row').first().innerText();
		assert.ok(row.includes(`${ZHANG.id.slice(0, 6)}********${ZHANG.id.slice(14)}`), row);
		assert.ok(row.includes('138****5678'), row);
		assert.ok(!row.includes(ZHANG.id) && !row.includes(ZHANG.phone), 'no full number in the list');
		assert.match(row, /党员/);
		assert.match(row, /60岁以上/);
		assert.match(row, /青和居社区/);

		// The resident's page: masked numbers and an unmask button.
		await table.locator('.el-table__row').first().click();
		await page.waitForURL(new RegExp(`/residents/${zhangId}\\b`));
		const idCell = page.locator('[data-test="resident-id-number"]');
		await idCell.waitFor();
		assert.equal(await idCell.innerText(), `${ZHANG.id.slice(0, 6)}********${ZHANG.id.slice(14)}`);
		assert.equal(await page.locator('[data-test="resident-phone"]').innerText(), '138****5678');
		assert.match(await page.locator('[data-test="resident-tags"]').innerText(), /党员/);

		// Without a reason the server refuses; its field error is shown in the dialog.
		await page.locator('[data-test="resident-unmask"]').click();
		const dialog = page.locator('[data-test="unmask-dialog"]');
		await dialog.locator('textarea[data-test="unmask-reason"]').waitFor();
		await page.locator('[data-test="unmask-submit"]').click();
		const reasonError = dialog.locator('.el-form-item__error');
		await reasonError.waitFor();
		assert.match(await reasonError.innerText(), /2 characters|required/);
		assert.notEqual(await idCell.innerText(), ZHANG.id);

		// With a reason: the full numbers, on this page only.
		await dialog.locator('textarea[data-test="unmask-reason"]').fill('核实补贴申请人身份');
		await page.locator('[data-test="unmask-submit"]').click();
		await page.waitForFunction((id) => document.querySelector('[data-test="resident-id-number"]')?.textContent.trim() === id, ZHANG.id);
		assert.equal(await page.locator('[data-test="resident-phone"]').innerText(), ZHANG.phone);
		const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
		assert.ok(!stored.includes(ZHANG.id) && !stored.includes(ZHANG.phone), 'the full numbers are stored nowhere');
		await page.locator('[data-test="resident-hide"]').click();
		await page.waitForFunction((id) => document.querySelector('[data-test="resident-id-number"]')?.textContent.trim() !== id, ZHANG.id);

		// The household: address and members linking back.
		const link = page.locator('[data-test="resident-household"]');
		await page.locator('[data-test="resident-household"]', { hasText: '301' }).waitFor();
		await link.click();
		await page.waitForURL(new RegExp(`/households/${householdId}\\b`));
		const address = await page.locator('[data-test="household-address"]').innerText();
		assert.match(address, /青和居社区/);
		assert.match(address, /301/);
		const members = page.locator('[data-test="household-members"]');
		assert.match(await members.innerText(), /张小明 · 户主/);
		await members.locator(`[data-test="member-${zhangId}"]`).click();
		await page.waitForURL(new RegExp(`/residents/${zhangId}\\b`));
		await page.locator('[data-test="resident-id-number"]').waitFor();
	});
	// The unmask is in the audit log with its reason.
	const auditor = await apiClient(srv.url, 'auditor1', PASSWORD);
	const log = await auditor('GET', '/api/v1/audit?action=resident.unmask');
	assert.equal(log.status, 200);
	assert.ok(log.json.items.some((e) => JSON.stringify(e).includes('核实补贴申请人身份')), JSON.stringify(log.json.items));
});

test('a grid worker of another community does not find the resident', { timeout: 60000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'grid2', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-residents"]').click();
		const table = page.locator('[data-test="residents-table"]');
		await table.waitFor();
		await page.locator('input[data-test="residents-search"]').fill('张');
		await page.locator('[data-test="residents-search-button"]').click();
		await page.waitForURL(/q=/);
		await table.locator('.el-table__empty-text', { hasText: 'No resident found' }).waitFor();
		assert.equal(await table.locator('.el-table__row').count(), 0);
		// Not by the full phone number either, nor by the resident's address.
		await page.locator('input[data-test="residents-search"]').fill(ZHANG.phone);
		await page.locator('[data-test="residents-search-button"]').click();
		await page.waitForURL(new RegExp(`q=${ZHANG.phone}`));
		await table.locator('.el-table__empty-text').waitFor();
		assert.equal(await table.locator('.el-table__row').count(), 0);
		await page.goto(`${srv.url}/residents/${zhangId}`);
		await page.locator('[data-test="resident-not-found"]').waitFor();
		assert.match(await page.locator('[data-test="resident"]').innerText(), /outside your areas/);
		assert.equal(await page.locator('[data-test="resident-unmask"]').count(), 0);
		await page.goto(`${srv.url}/households/${householdId}`);
		await page.locator('[data-test="household-not-found"]').waitFor();
	});
});

test('register a resident: server errors next to the fields, a duplicate as a message', { timeout: 90000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-residents"]').click();
		await page.locator('[data-test="residents-create"]').click();
		const form = page.locator('[data-test="resident-form"]');
		await form.locator('input[name="name"]').waitFor();
		// The area defaults to the user's community.
		await form.locator('[data-test="area-select"]', { hasText: '青和居社区' }).waitFor();

		// A wrong check character and a bad phone: the server's messages next to the fields.
		const bad = ZHANG.id.slice(0, 17) + (ZHANG.id[17] === '0' ? '1' : '0');
		await form.locator('input[name="name"]').fill('王建国');
		await form.locator('input[name="id_number"]').fill(bad);
		await form.locator('input[name="phone"]').fill('12345678');
		await form.locator('[data-test="form-tag-veteran"]').click();
		await page.locator('[data-test="resident-form-submit"]').click();
		const idError = form.locator('.el-form-item:has(input[name="id_number"]) .el-form-item__error');
		await idError.waitFor();
		assert.ok((await idError.innerText()).length > 3);
		const phoneError = form.locator('.el-form-item:has(input[name="phone"]) .el-form-item__error');
		await phoneError.waitFor();
		assert.match(await phoneError.innerText(), /mobile number/);

		// A number that is registered already: 409, shown as a message.
		await form.locator('input[name="id_number"]').fill(ZHANG.id);
		await form.locator('input[name="phone"]').fill('');
		await page.locator('[data-test="resident-form-submit"]').click();
		await page.locator('[data-test="resident-form-error"]', { hasText: 'registered already' }).waitFor();

		// Corrected (a lower-case x is fine): the new resident's page.
		let fresh = idNumber('42010719880808003');
		if (fresh.endsWith('X')) fresh = fresh.slice(0, 17) + 'x';
		await form.locator('input[name="id_number"]').fill(fresh);
		await form.locator('input[name="phone"]').fill('027-86812345');
		await page.locator('[data-test="resident-form-submit"]').click();
		await page.waitForURL(/\/residents\/\d+/);
		await page.locator('[data-test="resident-id-number"]').waitFor();
		const profile = await page.locator('[data-test="resident-profile"]').innerText();
		assert.match(profile, /王建国/);
		assert.match(profile, /1988-08-08/);
		assert.match(profile, /Veteran/);
		assert.ok(!profile.includes('86812345'), 'the phone is masked');
	});
});

test('the residents list stays usable on a 360-px phone', { timeout: 60000 }, async () => {
	await withBrowser({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="menu-button"]').click();
		await page.locator('[data-test="drawer-menu"] [data-test="menu-residents"]').click();
		const cards = page.locator('[data-test="resident-card"]');
		await cards.nth(1).waitFor();
		assert.ok((await cards.count()) >= 2);
		assert.match(await cards.filter({ hasText: ZHANG.name }).innerText(), /138\*\*\*\*5678/);
		assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'the list fits');
		await cards.filter({ hasText: ZHANG.name }).click();
		await page.locator('[data-test="resident-id-number"]').waitFor();
		assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'the resident page fits');
	});
});
