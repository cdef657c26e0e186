// The work-order pages: one demand from a resident's submission to their evaluation (the resident
// raises it, community staff accept it and dispatch it to a grid worker, the grid worker handles
// and reports it on a phone, staff verify and close it, the resident rates it 满意); the statistics
// page with its numbers and a chart; and the inbox and order page on a 375-px phone without
// horizontal scrolling.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiClient, loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

const COMMUNITY = '420107005008'; // 青和居社区
const PHONE = { width: 375, height: 740 };

let srv;
const as = {};
let gridId;

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'resident1', role: 'resident', area: COMMUNITY },
			{ username: 'staff1', role: 'community_staff', area: COMMUNITY },
			{ username: 'grid1', role: 'grid_worker', area: COMMUNITY },
		],
	});
	for (const u of ['resident1', 'staff1', 'grid1']) as[u] = await apiClient(srv.url, u, PASSWORD);
	gridId = (await as.grid1('GET', '/api/v1/me')).json.user.id;
	// The community's grid team: its members are the people staff can dispatch to.
	const team = await as.staff1('POST', '/api/v1/teams', { name: '青和居网格队', area_code: COMMUNITY });
	assert.equal(team.status, 201, JSON.stringify(team.json));
	const member = await as.staff1('POST', `/api/v1/teams/${team.json.id}/members`, { user_id: gridId });
	assert.equal(member.status, 201, JSON.stringify(member.json));
});
after(() => srv?.stop());

/** Take a step through the API; returns the order. */
async function step(who, id, action, extra = {}) {
	const now = await as[who]('GET', `/api/v1/work-orders/${id}`);
	const r = await as[who]('POST', `/api/v1/work-orders/${id}/transitions`, { action, version: now.json.version, ...extra });
	assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.json)}`);
	return r.json;
}

/** A demand raised by the resident, taken through the loop up to (and including) state `until`. */
async function demand(description, until) {
	const r = await as.resident1('POST', '/api/v1/work-orders', { category: 'blocked_drain', description });
	assert.equal(r.status, 201, JSON.stringify(r.json));
	const id = r.json.id;
	const loop = [
		['staff1', 'accept', {}, 'accepted'],
		['staff1', 'dispatch', { user_id: gridId }, 'dispatched'],
		['grid1', 'handle', {}, 'handled'],
		['grid1', 'report', {}, 'reported'],
		['staff1', 'verify', {}, 'verified'],
		['staff1', 'close', { minutes: 30 }, 'closed'],
		['resident1', 'evaluate', { satisfaction: 'basically_satisfied' }, 'evaluated'],
	];
	for (const [who, action, extra, state] of loop) {
		if (until === 'collected') break;
		await step(who, id, action, extra);
		if (state === until) break;
	}
	return id;
}

async function choose(page, select, option) {
	await page.locator(`[data-test="${select}"]`).click();
	await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click();
}

async function act(page, action, note) {
	await page.locator(`[data-test="action-${action}"]`).click();
	const dialog = page.locator('[data-test="action-dialog"]:visible');
	if (note) await dialog.locator('textarea[data-test="action-note"]').fill(note);
	return dialog;
}

async function submitAction(page, dialog, state) {
	await dialog.locator('[data-test="action-submit"]').click();
	await page.locator('[data-test="order-state"]', { hasText: state }).waitFor();
}

const pageWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

test('a resident’s demand: raised, accepted, dispatched, handled on a phone, closed and rated 满意', { timeout: 240000 }, async () => {
	let id;
	// The resident raises it in plain words.
	await withBrowser({ viewport: PHONE, locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'resident1', PASSWORD);
		await page.locator('[data-test="menu-button"]').click();
		await page.locator('[data-test="drawer-menu"] [data-test="menu-order-new"]', { hasText: '提诉求' }).click();
		await choose(page, 'demand-category', '楼道照明');
		await page.locator('textarea[data-test="demand-description"]').fill('3栋2单元4楼楼道灯不亮，晚上上下楼看不见。');
		await page.locator('input[data-test="demand-address"]').fill('3栋2单元4楼');
		await page.locator('[data-test="demand-submit"]').click();
		await page.waitForURL(/\/orders\/\d+/);
		id = Number(/\/orders\/(\d+)/.exec(page.url())[1]);
		await page.locator('[data-test="order-plain-status"]', { hasText: '等待社区受理' }).waitFor();
		assert.equal(await page.locator('[data-test="order-actions"]').count(), 0, 'a resident has no staff actions');
	});

	// Community staff accept it and dispatch it to the grid worker.
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-orders"]').click();
		const row = page.locator('[data-test="inbox-table"] .el-table__row', { hasText: '楼道灯不亮' });
		await row.waitFor();
		assert.match(await row.innerText(), /楼道照明[\s\S]*青和居社区[\s\S]*待受理/);
		await row.click();
		await page.waitForURL(new RegExp(`/orders/${id}\\b`));
		await submitAction(page, await act(page, 'accept'), '待派遣');
		const dialog = await act(page, 'dispatch');
		await choose(page, 'dispatch-user', 'grid1');
		await submitAction(page, dialog, '处置中');
		assert.match(await page.locator('[data-test="order-assignee"]').innerText(), /grid1/);
		assert.match(await page.locator('[data-test="order-limit"]').innerText(), /剩余/);
		assert.match(await page.locator('[data-test="order-timeline"]').innerText(), /登记[\s\S]*受理[\s\S]*派遣/);
	});

	// The grid worker, on a phone in the stairwell: the badge, the card, handle and report.
	await withBrowser({ viewport: PHONE, locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'grid1', PASSWORD);
		await page.locator('[data-test="notifications-badge"] .el-badge__content', { hasText: '1' }).waitFor();
		await page.goto(`${srv.url}/orders`);
		const card = page.locator(`[data-test="order-card-${id}"]`);
		await card.waitFor();
		assert.match(await card.innerText(), /楼道照明[\s\S]*剩余/);
		assert.ok((await pageWidth(page)) <= PHONE.width, 'the inbox fits the phone');
		await card.click();
		await submitAction(page, await act(page, 'handle', '已更换灯泡'), '已处置');
		await submitAction(page, await act(page, 'report', '灯已修好，请核查'), '待核查');
		assert.ok((await pageWidth(page)) <= PHONE.width, 'the order page fits the phone');
	});

	// Staff verify and close it, crediting the grid worker's time.
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/orders?box=to_verify`);
		await page.locator(`[data-test="inbox-table"] .el-table__row`, { hasText: '楼道灯不亮' }).click();
		await submitAction(page, await act(page, 'verify'), '待结案');
		const dialog = await act(page, 'close');
		await dialog.locator('[data-test="close-minutes"] input').fill('45');
		await submitAction(page, dialog, '已结案');
	});

	// The resident sees it done and rates it.
	await withBrowser({ viewport: PHONE, locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'resident1', PASSWORD);
		await page.goto(`${srv.url}/orders`);
		await page.locator(`[data-test="order-card-${id}"]`, { hasText: '请评价' }).click();
		await page.locator('[data-test="evaluate-card"]').waitFor();
		await page.locator('[data-test="evaluate-satisfied"]').click();
		await page.locator('[data-test="evaluate-submit"]').click();
		await page.locator('[data-test="order-plain-status"]', { hasText: '您的评价是“满意”' }).waitFor();
		assert.match(await page.locator('[data-test="order-state"]').innerText(), /已评价/);
		assert.match(await page.locator('[data-test="order-timeline"]').innerText(), /您提交了诉求[\s\S]*您的评价：满意/);
		assert.ok((await pageWidth(page)) <= PHONE.width, 'the resident’s page fits the phone');
	});

	const o = (await as.staff1('GET', `/api/v1/work-orders/${id}`)).json;
	assert.equal(o.state, 'evaluated');
	assert.equal(o.satisfaction, 'satisfied');
	assert.equal(o.evaluated_on_behalf, false);
	assert.deepEqual(
		o.steps.map((s) => s.action),
		['collect', 'accept', 'dispatch', 'handle', 'report', 'verify', 'close', 'evaluate'],
	);
});

test('the statistics page shows the rates and draws its charts', { timeout: 90000 }, async () => {
	await demand('下水道堵了，污水漫到楼道', 'evaluated');
	const open = await demand('小区门口下水道返水', 'dispatched');
	const dueAt = new Date(Date.parse((await as.staff1('GET', `/api/v1/work-orders/${open}`)).json.due_at));
	const from = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
	const to = new Date(dueAt.getTime() + 2 * 86400000).toISOString().slice(0, 10);
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/orders/stats?from=${from}&to=${to}`);
		const due = page.locator('[data-test="stat-due"] [data-test="stat-value"]');
		await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-test="stat-due"] [data-test="stat-value"]')?.textContent.trim() ?? ''));
		assert.ok(Number(await due.innerText()) >= 2, await due.innerText());
		assert.match(await page.locator('[data-test="stat-closure"] [data-test="stat-value"]').innerText(), /^\d+\.\d%$/);
		assert.match(await page.locator('[data-test="stat-satisfaction"] [data-test="stat-value"]').innerText(), /^100\.0%$/);
		await page.locator('[data-test="stats-bar"] canvas').waitFor();
		await page.locator('[data-test="stats-pie"] canvas').waitFor();
		// By the areas one level down: the bar chart is drawn again.
		await page.locator('[data-test="stats-by"] .el-radio-button', { hasText: '按下级区域' }).click();
		await page.locator('[data-test="stats-bar"] canvas').waitFor();
		// By work team (the demands went to the grid worker's team): drawn from one metrics call per team.
		await page.locator('[data-test="stats-by-team"]').click();
		await page.locator('[data-test="stats-bar"] canvas').waitFor();
		await page.locator('[data-test="stats-handler"]').waitFor();
	});
});

test('on a 375-px phone the inbox and the order page do not scroll sideways; a stale step reloads', { timeout: 90000 }, async () => {
	const id = await demand('5栋楼下的下水道堵塞，已经两天了', 'dispatched');
	const fresh = await demand('单元门禁坏了', 'collected');
	await withBrowser({ viewport: PHONE, locale: 'en-US' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'staff1', PASSWORD);
		await page.goto(`${srv.url}/orders?box=all`);
		await page.locator(`[data-test="order-card-${id}"]`).waitFor();
		assert.ok((await pageWidth(page)) <= PHONE.width, `the inbox is ${await pageWidth(page)} px wide`);
		await page.locator(`[data-test="order-card-${id}"]`).click();
		await page.locator('[data-test="order-timeline"]').waitFor();
		await page.locator('[data-test="request-void"]').waitFor();
		assert.ok((await pageWidth(page)) <= PHONE.width, `the order page is ${await pageWidth(page)} px wide`);

		// Someone else accepts the demand while this page shows it: 409, a message, the new state.
		await page.goto(`${srv.url}/orders/${fresh}`);
		await page.locator('[data-test="order-state"]', { hasText: 'To accept' }).waitFor();
		await step('staff1', fresh, 'accept');
		await submitAction(page, await act(page, 'accept'), 'To dispatch');
		await page.locator('.el-message', { hasText: 'Someone else changed this work order' }).waitFor();
		await page.locator('[data-test="action-dispatch"]').waitFor();
	});
});
