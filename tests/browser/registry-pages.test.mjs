// The registry pages of the web app beyond the list: editing a resident (PATCH with the version
// read; a stale version gives 409, shown and reloaded), the history of life events (propose, then
// confirm), the queue of proposed events, the import wizard (a CSV with one bad row: summary and
// error report), the derived-tag filter with the Excel export, the area tree with its households,
// and the resident page on a 375-px phone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiClient, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

const COMMUNITY = '420107005008'; // 青和居社区

/** An 18-character ID number with its GB 11643 check character. */
function idNumber(first17) {
	const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
	const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
	return first17 + '10X98765432'[sum % 11];
}

/** A date n days ago as YYYY-MM-DD (UTC), safely not in the future for the server. */
function daysAgo(n) {
	return new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
}

let srv;
let staff;
let householdId;
const ids = {};

async function resident(body) {
	const r = await staff('POST', '/api/v1/residents', body);
	assert.equal(r.status, 201, JSON.stringify(r.json));
	return r.json.id;
}

before(async () => {
	srv = await startServer({ users: [{ username: 'staff1', role: 'community_staff', area: COMMUNITY }] });
	staff = await apiClient(srv.url, 'staff1', PASSWORD);
	const h = await staff('POST', '/api/v1/households', { area_code: COMMUNITY, unit: '3', room: '502' });
	assert.equal(h.status, 201, JSON.stringify(h.json));
	householdId = h.json.id;
	ids.zhang = await resident({
		name: '张建华',
		id_number: idNumber('42010719480210001'),
		phone: '13812340000',
		household_id: householdId,
		relation: 'head',
	});
	ids.li = await resident({ name: '李小红', id_number: idNumber('42010720160901002'), household_id: householdId, relation: 'child' });
	ids.wang = await resident({ name: '王桂兰', id_number: idNumber('42010719520505002'), area_code: COMMUNITY });
	ids.chen = await resident({ name: '陈志强', id_number: idNumber('42010719800101003'), area_code: COMMUNITY });
});
after(() => srv?.stop());

async function get(path) {
	const r = await staff('GET', path);
	assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
	return r.json;
}

test('edit a resident, and a stale version is refused and reloaded', { timeout: 90000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/residents/${ids.zhang}`);
		await page.locator('[data-test="resident-edit"]').click();
		await page.waitForURL(new RegExp(`/residents/${ids.zhang}/edit`));
		const name = page.locator('input[name="name"]');
		await page.waitForFunction(() => document.querySelector('input[name="name"]')?.value === '张建华');
		// The masked phone is offered as "unchanged" in the placeholder.
		assert.match(await page.locator('input[name="phone"]').getAttribute('placeholder'), /138\*\*\*\*0000/);
		await name.fill('张建中');
		await page.locator('input[name="phone"]').fill('13900002222');
		await page.locator('[data-test="registered-elsewhere"]').click();
		await page.locator('input[name="registered_address"]').fill('湖北省孝感市孝南区书院街道');
		await page.locator('[data-test="resident-edit-submit"]').click();
		await page.waitForURL(new RegExp(`/residents/${ids.zhang}(\\?|$)`));
		await page.locator('[data-test="resident-profile"]', { hasText: '张建中' }).waitFor();
		assert.equal(await page.locator('[data-test="resident-phone"]').innerText(), '139****2222');
		const registered = await page.locator('[data-test="resident-registered"]').innerText();
		assert.match(registered, /人户分离/);
		assert.match(registered, /孝南区书院街道/);

		// Someone else saves while the form is open: 409, a clear message, the current data.
		await page.locator('[data-test="resident-edit"]').click();
		await page.waitForFunction(() => document.querySelector('input[name="name"]')?.value === '张建中');
		const now = await get(`/api/v1/residents/${ids.zhang}`);
		const other = await staff('PATCH', `/api/v1/residents/${ids.zhang}`, { version: now.version, notes: '独居，子女在外地' });
		assert.equal(other.status, 200, JSON.stringify(other.json));
		await page.locator('textarea[name="notes"]').fill('每周三探访');
		await page.locator('[data-test="resident-edit-submit"]').click();
		await page.locator('[data-test="resident-edit-conflict"]').waitFor();
		assert.match(await page.locator('[data-test="resident-edit-conflict"]').innerText(), /其他人修改/);
		await page.waitForFunction(() => document.querySelector('textarea[name="notes"]')?.value === '独居，子女在外地');
	});
	assert.equal((await get(`/api/v1/residents/${ids.zhang}`)).notes, '独居，子女在外地', 'the stale save changed nothing');
});

test('propose a life event, confirm it, see it in the history', { timeout: 90000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/residents/${ids.chen}`);
		await page.locator('[data-test="history-empty"]').waitFor();
		await page.locator('[data-test="event-propose"]').click();
		const dialog = page.locator('[data-test="propose-dialog"]');
		await dialog.locator('[data-test="propose-kind"]').click();
		await page.locator('.el-select-dropdown__item', { hasText: 'Moved out' }).click();
		const date = dialog.locator('input[name="event_date"]');
		await date.fill(daysAgo(2));
		await date.press('Enter');
		await dialog.locator('textarea[data-test="propose-reason"]').fill('Moved to Hongshan with his children');
		await dialog.locator('[data-test="propose-submit"]').click();

		const timeline = page.locator('[data-test="history-timeline"]');
		const item = timeline.locator('[data-test^="event-"]', { hasText: 'Moved out' }).first();
		await item.locator('[data-test^="event-status-"]', { hasText: 'Pending' }).waitFor();
		assert.match(await item.innerText(), /Hongshan/);
		assert.match(await item.innerText(), /recorded by staff1/);
		assert.match(await item.innerText(), new RegExp(daysAgo(2)));

		await item.locator('[data-test^="event-confirm-"]').click();
		await page.locator('[data-test="decide-dialog"] [data-test="decide-submit"]').click();
		await item.locator('[data-test^="event-status-"]', { hasText: 'Confirmed' }).waitFor();
		assert.match(await item.innerText(), /confirmed by staff1/);
		// Applied: the resident has moved out.
		await page.locator('[data-test="resident-status"]', { hasText: 'Moved out' }).waitFor();
	});
	const events = await get(`/api/v1/residents/${ids.chen}/events`);
	assert.equal(events.items[0].status, 'confirmed');
	assert.equal(events.items[0].kind, 'move_out');
});

test('the queue of proposed events: reject one from the list, open its resident', { timeout: 90000 }, async () => {
	const p = await staff('POST', `/api/v1/residents/${ids.wang}/events`, { kind: 'death', date: daysAgo(1), reason: '家属报告' });
	assert.equal(p.status, 201, JSON.stringify(p.json));
	const q = await staff('POST', `/api/v1/residents/${ids.li}/events`, { kind: 'move', date: daysAgo(3), reason: '搬到同社区另一栋' });
	assert.equal(q.status, 201, JSON.stringify(q.json));
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-life-events"]').click();
		const table = page.locator('[data-test="pending-table"]');
		await table.locator('.el-table__row', { hasText: '王桂兰' }).waitFor();
		assert.match(await table.innerText(), /李小红/);
		assert.match(await table.locator('.el-table__row', { hasText: '王桂兰' }).innerText(), /死亡/);

		await table.locator(`[data-test="pending-reject-${p.json.id}"]`).first().click();
		await page.locator('[data-test="decide-dialog"] textarea[data-test="decide-reason"]').fill('核实后家属报错');
		await page.locator('[data-test="decide-dialog"] [data-test="decide-submit"]').click();
		await page.waitForFunction(() => !document.querySelector('[data-test="pending-table"]')?.innerText.includes('王桂兰'));

		await table.locator(`[data-test="pending-resident-${q.json.id}"]`).first().click();
		await page.waitForURL(new RegExp(`/residents/${ids.li}\\b`));
		await page.locator('[data-test="history-timeline"]', { hasText: '待确认' }).waitFor();
	});
	const rejected = await get(`/api/v1/residents/${ids.wang}/events`);
	assert.equal(rejected.items[0].status, 'rejected');
	assert.equal((await get(`/api/v1/residents/${ids.wang}`)).status, 'active', 'a rejected death changes nothing');
});

test('import a CSV with one bad row through the wizard: summary and error report', { timeout: 90000 }, async () => {
	const good = idNumber('42010719660606004');
	const bad = idNumber('42010719700707005');
	const wrong = bad.slice(0, 17) + (bad[17] === '1' ? '2' : '1');
	const csv = ['姓名,社区,身份证号,联系电话', `刘德明,青和居社区,${good},13700001234`, `赵丽,青和居社区,${wrong},`].join('\r\n') + '\r\n';
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-residents-import"]').click();
		await page.locator('[data-test="import-choose"]').waitFor();
		assert.equal(await page.locator('[data-test="import-start"]').isDisabled(), true, 'nothing to send yet');
		await page.locator('[data-test="import-file"]').setInputFiles({
			name: '居民.csv',
			mimeType: 'text/csv',
			buffer: Buffer.from(csv, 'utf8'),
		});
		await page.locator('[data-test="import-file-name"]', { hasText: '居民.csv' }).waitFor();
		await page.locator('[data-test="import-start"]').click();

		await page.locator('[data-test="import-summary"]').waitFor({ timeout: 30000 });
		assert.equal(await page.locator('[data-test="import-rows"]').innerText(), '2');
		assert.equal(await page.locator('[data-test="import-created"]').innerText(), '1');
		assert.equal(await page.locator('[data-test="import-rejected"]').innerText(), '1');
		const href = await page.locator('a[data-test="import-report"]').getAttribute('href');
		assert.match(href, /^\/api\/v1\//);
		const report = await page.request.get(srv.url + href);
		assert.equal(report.status(), 200);
		const text = await report.text();
		assert.match(text, /^(\uFEFF)?row,column,value,reason\r?\n/);
		assert.match(text, /\n3,/, 'the bad row is row 3, as Excel numbers it');
		assert.ok(!text.includes(good), 'only the rejected row is in the report');
	});
	const found = await get(`/api/v1/residents?q=${encodeURIComponent('刘德明')}`);
	assert.equal(found.items.length, 1);
});

test('filter by a derived tag and export the list as Excel', { timeout: 90000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/residents`);
		const table = page.locator('[data-test="residents-table"]');
		await table.locator('.el-table__row').nth(1).waitFor();
		await page.locator('[data-test="residents-tag"]').click();
		await page.locator('.el-select-dropdown__item', { hasText: '未成年人' }).click();
		await page.waitForURL(/tag=minor/);
		await page.waitForFunction(() => {
			const rows = [...document.querySelectorAll('[data-test="residents-table"] .el-table__row')];
			return rows.length === 1 && rows[0].innerText.includes('李小红');
		});

		await page.locator('[data-test="residents-export-xlsx"]').click();
		const link = page.locator('a[data-test="residents-download"]');
		await link.waitFor({ timeout: 30000 });
		assert.match(await link.innerText(), /Excel/);
		const res = await page.request.get(srv.url + (await link.getAttribute('href')));
		assert.equal(res.status(), 200);
		assert.match(res.headers()['content-type'] ?? '', /spreadsheetml/);
		const body = await res.body();
		assert.equal(body.subarray(0, 2).toString(), 'PK', 'an XLSX file is a zip');
	});
});

test('the area tree shows an area’s households, linking to the household', { timeout: 90000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-areas"]').click();
		await page.locator(`[data-test="area-${COMMUNITY}"]`).click();
		await page.locator('[data-test="area-name"]', { hasText: '青和居社区' }).waitFor();
		const household = page.locator(`[data-test="area-household-${householdId}"]`);
		await household.waitFor();
		assert.match(await household.innerText(), /3单元 502室/);
		assert.match(await household.innerText(), /李小红/);
		await household.locator('a', { hasText: '502' }).click();
		await page.waitForURL(new RegExp(`/households/${householdId}\\b`));
		await page.locator('[data-test="household-members"]').waitFor();

		// The residents of the area: the list filtered by it.
		await page.goBack();
		await page.locator('[data-test="area-residents"]').click();
		await page.waitForURL(new RegExp(`/residents\\?.*area=${COMMUNITY}`));
		await page.locator('[data-test="residents-table"] .el-table__row').first().waitFor();
	});
});

test('on a 375-px phone the resident page, its edit form and the import page fit', { timeout: 90000 }, async () => {
	const phone = { width: 375, height: 740 };
	await withBrowser({ viewport: phone, locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		const width = () => page.evaluate(() => document.documentElement.scrollWidth);
		await page.goto(`${srv.url}/residents/${ids.li}`);
		await page.locator('[data-test="resident-id-number"]').waitFor();
		await page.locator('[data-test="resident-history"]').waitFor();
		await page.locator('[data-test="history-timeline"], [data-test="history-empty"]').first().waitFor();
		assert.ok((await width()) <= phone.width, `the resident page fits (${await width()} px)`);
		await page.locator('[data-test="resident-edit"]').click();
		await page.locator('input[name="name"]').waitFor();
		assert.ok((await width()) <= phone.width, `the edit form fits (${await width()} px)`);
		await page.goto(`${srv.url}/residents/import`);
		await page.locator('[data-test="import-choose"]').waitFor();
		assert.ok((await width()) <= phone.width, `the import page fits (${await width()} px)`);
		await page.goto(`${srv.url}/life-events`);
		await page.locator('[data-test="pending-cards"]').waitFor();
		assert.ok((await width()) <= phone.width, `the queue fits (${await width()} px)`);
	});
});

test('open an account for a resident from their page; the resident logs in with it', { timeout: 90000 }, async () => {
	const id = await resident({ name: '陈秀珍', id_number: idNumber('42010719560303004'), area_code: COMMUNITY });
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/residents/${id}`);
		await page.locator('[data-test="resident-account-open"]').click();
		await page.locator('[data-test="resident-account-username"]').fill('chenxiuzhen');
		await page.locator('[data-test="resident-account-password"]').fill('123456');
		await page.locator('[data-test="resident-account-save"]').click();
		// A weak first password is refused beside its field; a good one opens the account.
		await page.locator('.el-form-item__error').first().waitFor();
		await page.locator('[data-test="resident-account-password"]').fill('Chen-Zhiqiang-2026');
		await page.locator('[data-test="resident-account-save"]').click();
		await page.locator('[data-test="resident-account-name"]', { hasText: 'chenxiuzhen' }).waitFor();
	});
	const account = await get(`/api/v1/residents/${id}/account`);
	assert.equal(account.username, 'chenxiuzhen');
	assert.equal(account.must_change_password, true);
	const me = await (await apiClient(srv.url, 'chenxiuzhen', 'Chen-Zhiqiang-2026'))('GET', '/api/v1/me');
	assert.equal(me.json.must_change_password, true, 'logs in, and must change the first password');
});
