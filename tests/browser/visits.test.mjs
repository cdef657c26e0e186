// Door-knocking pages (天天敲门组). Staff plan the day through the API; the door-knocker, on a
// 375-px phone, opens today's doors, starts a visit, enters it (met, who, a checklist concern,
// notes, a demand), and the draft survives a reload. The first send's answer is lost on the way
// back and then the session ends (401 → login → back): the page keeps the draft and sends the
// same request again with the same Idempotency-Key, which the server answers from the first, so
// the visit is stored once; the work order it raised is linked and opens. Staff see the day's lists
// per member and print one: a page without menus, its buttons hidden on paper.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiClient, login, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

const COMMUNITY = '420107005008'; // 青和居社区
const PHONE = { width: 375, height: 740 };
const TODAY = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10); // Beijing

/** An 18-character ID number with its GB 11643 check character. */
function idNumber(first17) {
	const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
	const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
	return first17 + '10X98765432'[sum % 11];
}

let srv;
let staff;
let knock;
let knockId;
let household;
const people = {};

async function ok(r, status = 200) {
	assert.equal(r.status, status, JSON.stringify(r.json));
	return r.json;
}

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff1', role: 'community_staff', area: COMMUNITY },
			{ username: 'knock1', role: 'doorknocker', area: COMMUNITY },
		],
	});
	staff = await apiClient(srv.url, 'staff1', PASSWORD);
	knock = await apiClient(srv.url, 'knock1', PASSWORD);
	knockId = (await ok(await knock('GET', '/api/v1/me'))).user.id;
	household = (await ok(await staff('POST', '/api/v1/households', { area_code: COMMUNITY, unit: '2', room: '301' }), 201)).id;
	for (const [key, name, id] of [
		['wang', '王秀英', '42010719400301002'],
		['li', '李建国', '42010719451012001'],
	]) {
		const r = await staff('POST', '/api/v1/residents', { name, id_number: idNumber(id), household_id: household, relation: key === 'wang' ? 'head' : 'spouse' });
		people[key] = (await ok(r, 201)).id;
	}
	// A team with the door-knocker; a three-day cadence and a visit five days ago make the door overdue.
	const team = await ok(await staff('POST', '/api/v1/knock-teams', { name: '青和居敲门组', area_code: COMMUNITY }), 201);
	await ok(await staff('PUT', `/api/v1/knock-teams/${team.id}/members/${knockId}`, { role: 'volunteer' }));
	await ok(await staff('PUT', `/api/v1/visit-policies/${COMMUNITY}`, { default_days: 3, daily_capacity: 20, ack_hours: 24, rules: [] }));
	const fiveDaysAgo = new Date(Date.now() - 5 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
	await ok(await staff('POST', '/api/v1/visits', { household_id: household, outcome: 'met', seen: [people.wang], visited_at: fiveDaysAgo }), 201);
	const plan = await ok(await staff('POST', '/api/v1/visit-plans', { date: TODAY }));
	const mine = plan.assignments.find((a) => a.user.id === knockId);
	assert.ok(mine?.households.some((h) => h.id === household), JSON.stringify(plan));
});
after(() => srv?.stop());

async function visitsOfHousehold() {
	return (await ok(await staff('GET', `/api/v1/visits?household=${household}`))).items;
}

test('a door-knocker records a visit with a demand on a phone; the draft outlives a reload, a lost session and a lost answer', { timeout: 180000 }, async () => {
	await withBrowser({ viewport: PHONE, locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'knock1', PASSWORD);
		await page.locator('[data-test="menu-button"]').click();
		await page.locator('[data-test="drawer-menu"] [data-test="menu-visit-today"]', { hasText: '今日敲门' }).click();
		const door = page.locator(`[data-test="door-${household}"]`);
		await door.waitFor();
		assert.match(await door.innerText(), /2-301[\s\S]*王秀英、李建国[\s\S]*5 天未见面[\s\S]*超期 2 天/);
		await door.click();

		// One tap started the draft; enter the visit.
		await page.locator('[data-test="visit-household"]', { hasText: '2-301' }).waitFor();
		await page.locator('[data-test="outcome-met"]').click();
		await page.locator(`[data-test="seen-${people.wang}"]`).click();
		await page.locator('[data-test="check-gas-concern"]').click();
		await page.locator('textarea[data-test="visit-notes"]').fill('老人腿脚不便，燃气软管老化');
		await page.locator('[data-test="visit-add-demand"]').click();
		await page.locator('[data-test="demand-0-category"]').click();
		await page.locator('.el-select-dropdown__item:visible', { hasText: '楼道照明' }).first().click();
		await page.locator('textarea[data-test="demand-0-description"]').fill('2单元3楼楼道灯坏了');

		// A reload keeps everything.
		await page.reload();
		await page.locator('[data-test="outcome-met"][aria-checked="true"]').waitFor();
		assert.equal(await page.locator('textarea[data-test="visit-notes"]').inputValue(), '老人腿脚不便，燃气软管老化');
		assert.equal(await page.locator('textarea[data-test="demand-0-description"]').inputValue(), '2单元3楼楼道灯坏了');
		assert.ok(await page.locator(`[data-test="seen-${people.wang}"] input`).isChecked());
		assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width, 'the form fits the phone');

		// The server stores the visit but its answer is lost on the way back: the page keeps it.
		const keys = [];
		let lose = true;
		let stored;
		const firstStored = new Promise((resolve) => (stored = resolve));
		await page.route('**/api/v1/visits', async (route) => {
			const req = route.request();
			if (req.method() !== 'POST') return route.continue();
			keys.push(req.headers()['idempotency-key']);
			if (!lose) return route.continue();
			lose = false;
			await route.fetch(); // the server answered: the visit is stored
			stored();
			return route.abort('connectionreset');
		});
		await page.locator('[data-test="visit-submit"]').click();
		await firstStored;
		await page.locator('[data-test="visit-pending"]').waitFor();
		assert.equal((await visitsOfHousehold()).length, 2, 'the first send was stored');

		// The session ends too: sending again goes to the login page, and back to the same draft,
		// which is sent again as it was and answered from the first send.
		await page.context().clearCookies();
		await page.locator('[data-test="visit-retry"]').click();
		await page.waitForURL(/\/login\?redirect=/);
		await login(page, srv.url, 'knock1', PASSWORD, { goto: false });
		await page.waitForURL(new RegExp(`/visits/households/${household}`));
		await page.locator('[data-test="visit-result"]').waitFor();
		assert.equal(keys.length, 3);
		assert.match(keys[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		assert.deepEqual(keys, [keys[0], keys[0], keys[0]], 'every send is the same request');
		const visits = await visitsOfHousehold();
		assert.equal(visits.length, 2, 'stored once');
		assert.equal(visits[0].outcome, 'met');
		assert.equal(visits[0].checklist.gas, 'concern');
		assert.deepEqual(visits[0].seen.map((p) => p.id), [people.wang]);
		assert.equal(visits[0].work_orders.length, 1);
		assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('doorstep.visit.'))), [], 'the draft is cleared');

		// The demand became a work order: linked, and it opens.
		const orderId = visits[0].work_orders[0];
		await page.locator(`[data-test="visit-order-${orderId}"]`).click();
		await page.locator('[data-test="order-state"]', { hasText: '待受理' }).waitFor();
		assert.match(await page.locator('[data-test="order-details"]').innerText(), /楼道灯坏了[\s\S]*楼道照明/);

		// Back on the list the door is done.
		await page.goto(`${srv.url}/visits/today`);
		await page.locator(`[data-test="door-${household}"]`, { hasText: '见到本人' }).waitFor();
	});
});

test('staff see the household’s visits, the day’s lists per member, and print one without menus', { timeout: 90000 }, async () => {
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/households/${household}`);
		const history = page.locator('[data-test="household-visit-history"]');
		await history.waitFor();
		assert.match(await page.locator('[data-test="household-visit-status"]').innerText(), /每 3 天[\s\S]*见到本人/);
		assert.match(await history.innerText(), /见到本人[\s\S]*knock1[\s\S]*燃气[\s\S]*#\d+[\s\S]*见到本人[\s\S]*staff1/);

		await page.locator('[data-test="side-menu"] [data-test="menu-visit-plan"]').click();
		await page.locator('[data-test="plan-count-knock1"]', { hasText: '1' }).waitFor();
		await page.locator('[data-test="plan-print-knock1"]').click();
		const sheet = page.locator('[data-test="print-sheet"]');
		await sheet.waitFor();
		assert.match(await sheet.innerText(), /走访清单[\s\S]*knock1[\s\S]*2-301[\s\S]*王秀英、李建国[\s\S]*见到本人[\s\S]*不在家/);
		assert.equal(await page.locator('[data-test="side-menu"]').count(), 0, 'no menu on the print page');
		assert.ok(await page.locator('[data-test="print-button"]').isVisible());
		await page.emulateMedia({ media: 'print' });
		assert.ok(!(await page.locator('[data-test="print-button"]').isVisible()), 'the buttons are not printed');
		assert.ok(await sheet.isVisible());
	});
});
