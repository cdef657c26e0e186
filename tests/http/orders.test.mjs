// Work orders (issue 4): a demand goes round the whole loop; steps cannot be
// skipped and each is allowed only to the right people; rework on a failed
// verification and on dissatisfaction; stale versions are 409; an order is
// visible to its assignee, their team and partner unit; a confidential demand
// hides who raised it outside the handling chain.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { assertProblem, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const B = '420107005001'; // 青雅居社区

let srv;
const U = {}; // clients by username
const ID = {}; // user ids by username
let team, partner;

const sql = (q) => execFileSync('sqlite3', [srv.db, q]).toString().trim();

before(async () => {
	const users = [
		['staffA', 'community_staff', A],
		['staffB', 'community_staff', B],
		['gridA', 'grid_worker', A],
		['knockA', 'doorknocker', A],
		['cadre1', 'cadre', B], // checked in elsewhere: sees orders only by assignment
		['liaison', 'partner_liaison', B], // sees orders in A only through its unit
		['resA', 'resident', A],
		['resB', 'resident', A],
		['aud', 'auditor', '420107'],
	];
	srv = await startServer({ users: users.map(([username, role, area]) => ({ username, role, area })) });
	for (const [name] of users) {
		U[name] = await srv.login(name);
		ID[name] = U[name].user.id;
	}
	// A work team of 青和居社区 with the cadre in it, and a partner unit with its liaison.
	sql(`INSERT INTO partners (name, kind, contact, created_at) VALUES ('武钢集团', 'enterprise', '', 0)`);
	partner = Number(sql(`SELECT id FROM partners WHERE name = '武钢集团'`));
	sql(`INSERT INTO partner_members (partner_id, user_id) VALUES (${partner}, ${ID.liaison})`);
	sql(`INSERT INTO teams (name, area_code, partner_id, created_at) VALUES ('青和居好样的工作队', '${A}', NULL, 0)`);
	team = Number(sql(`SELECT id FROM teams WHERE name = '青和居好样的工作队'`));
	sql(`INSERT INTO team_members (team_id, user_id) VALUES (${team}, ${ID.cadre1})`);
});
after(() => srv?.stop());

async function raise(client = U.resA, body = {}) {
	const r = await client.post('/api/v1/work-orders', {
		category: 'stairwell_lighting',
		description: '3栋2单元楼道灯不亮，老人晚上上下楼不方便',
		area_code: A,
		...body,
	});
	assert.equal(r.status, 201, r.text);
	return r.json;
}

/** Take a step with the order's current version; returns the response. */
async function step(client, order, action, extra = {}) {
	const cur = await U.staffA.get(`/api/v1/work-orders/${order.id}`);
	const version = cur.status === 200 ? cur.json.version : order.version;
	return client.post(`/api/v1/work-orders/${order.id}/transitions`, { action, version, ...extra });
}

async function ok(client, order, action, extra) {
	const r = await step(client, order, action, extra);
	assert.equal(r.status, 200, `${action}: ${r.text}`);
	return r.json;
}

test('a resident\'s demand goes round the whole loop, and the timeline shows every step', async () => {
	const o = await raise();
	assert.equal(o.state, 'collected');
	assert.equal(o.channel, 'self_service');
	assert.equal(o.due_at, null);
	// Each caller is told the steps they may take now.
	const page = async (c) => (await c.get(`/api/v1/work-orders/${o.id}`)).json;
	assert.deepEqual((await page(U.staffA)).actions, ['accept', 'reject']);
	assert.deepEqual((await page(U.resA)).actions, []);
	assert.equal((await page(U.resA)).raised_by_me, true);
	assert.equal((await page(U.staffA)).raised_by_me, false);
	assert.equal((await ok(U.staffA, o, 'accept')).state, 'accepted');
	const d = await ok(U.staffA, o, 'dispatch', { user_id: ID.gridA, note: '请网格员上门查看' });
	assert.equal(d.state, 'dispatched');
	assert.deepEqual(d.assignee, { kind: 'user', id: ID.gridA, name: d.assignee.name });
	assert.ok(d.due_at && d.dispatched_at, 'the time limit starts at dispatch');
	assert.ok(Date.parse(d.due_at) > Date.parse(d.dispatched_at));
	assert.equal(d.warning, 'green');
	assert.deepEqual((await page(U.gridA)).actions, ['handle']);
	assert.deepEqual((await page(U.staffA)).actions, [], 'staff do not handle what they dispatched to someone');
	assert.equal((await ok(U.gridA, o, 'handle', { note: '已更换灯泡' })).state, 'handled');
	assert.equal((await ok(U.gridA, o, 'report')).state, 'reported');
	assert.equal((await ok(U.staffA, o, 'verify', { note: '电话回访确认灯已亮' })).state, 'verified');
	const closed = await ok(U.staffA, o, 'close', { minutes: 30 });
	assert.equal(closed.state, 'closed');
	assert.ok(closed.closed_at);
	assert.deepEqual((await page(U.resA)).actions, ['evaluate']);
	const e = await ok(U.resA, o, 'evaluate', { satisfaction: 'satisfied', note: '很快' });
	assert.equal(e.state, 'evaluated');
	assert.equal(e.satisfaction, 'satisfied');
	assert.equal(e.evaluated_on_behalf, false);
	assert.deepEqual(
		e.steps.map((s) => [s.action, s.from, s.to, s.by]),
		[
			['collect', '', 'collected', 'resA'],
			['accept', 'collected', 'accepted', 'staffA'],
			['dispatch', 'accepted', 'dispatched', 'staffA'],
			['handle', 'dispatched', 'handled', 'gridA'],
			['report', 'handled', 'reported', 'gridA'],
			['verify', 'reported', 'verified', 'staffA'],
			['close', 'verified', 'closed', 'staffA'],
			['evaluate', 'closed', 'evaluated', 'resA'],
		],
	);
	assert.equal(e.version, 8);
	// The assignee was told of the dispatch, the resident of the closure; the hours were credited.
	assert.equal(sql(`SELECT kind FROM notifications WHERE order_id = ${o.id} ORDER BY id`), 'dispatched\nclosed');
	const inbox = await U.gridA.get('/api/v1/notifications?unread=true');
	const note = inbox.json.items.find((x) => x.order_id === o.id);
	assert.equal(note.kind, 'dispatched');
	assert.equal(note.category_zh, '楼道照明');
	assert.equal((await U.gridA.post(`/api/v1/notifications/${note.id}/read`)).status, 204);
	assert.ok(!(await U.gridA.get('/api/v1/notifications?unread=true')).json.items.some((x) => x.id === note.id));
	assert.ok((await U.resA.get('/api/v1/notifications')).json.items.some((x) => x.order_id === o.id && x.kind === 'closed'));
	assert.ok(!(await U.resB.get('/api/v1/notifications')).json.items.some((x) => x.order_id === o.id), 'only mine');
	assert.equal(sql(`SELECT minutes FROM service_hours WHERE order_id = ${o.id}`), '30');
	// Every step is on the record.
	const log = await U.aud.get('/api/v1/audit?limit=100');
	const mine = log.json.items.filter((x) => x.object === `work_order:${o.id}`).map((x) => x.action);
	assert.deepEqual(mine.sort(), [
		'work_order.accept',
		'work_order.close',
		'work_order.create',
		'work_order.dispatch',
		'work_order.evaluate',
		'work_order.handle',
		'work_order.report',
		'work_order.verify',
	]);
});

test('no step can be skipped, and each step belongs to the right people', async () => {
	const o = await raise();
	assertProblem(await step(U.staffA, o, 'dispatch', { user_id: ID.gridA }), 409, 'dispatch before accepting');
	assertProblem(await step(U.staffA, o, 'close'), 409, 'close a collected order');
	assertProblem(await step(U.gridA, o, 'accept'), 403, 'a grid worker does not run the loop');
	assertProblem(await step(U.resA, o, 'accept'), 403, 'nor does the resident');
	assertProblem(await step(U.staffB, o, 'accept'), 404, 'another community does not see it');
	await ok(U.staffA, o, 'accept');
	await ok(U.staffA, o, 'dispatch', { team_id: team });
	assertProblem(await step(U.staffA, o, 'handle'), 403, 'staff do not handle what a team was given');
	assertProblem(await step(U.gridA, o, 'handle'), 403, 'nor a grid worker outside the team');
	assertProblem(await step(U.cadre1, o, 'report'), 409, 'report before handling');
	await ok(U.cadre1, o, 'handle');
	await ok(U.cadre1, o, 'report');
	assertProblem(await step(U.cadre1, o, 'verify'), 403, 'the handler does not verify their own work');
	assertProblem(await step(U.resA, o, 'evaluate', { satisfaction: 'satisfied' }), 409, 'evaluate before closing');
	assertProblem(await step(U.staffA, o, 'fly'), 422, 'an unknown action');
	// A rejection needs its reason.
	const r = await raise();
	await ok(U.staffA, r, 'accept').catch(() => {});
	const s = await raise();
	assertProblem(await step(U.staffA, s, 'reject'), 422, 'reject without a note');
	assert.equal((await ok(U.staffA, s, 'reject', { note: '不属于社区受理范围，已告知居民拨打12345' })).state, 'rejected');
	assertProblem(await step(U.staffA, s, 'accept'), 409, 'a rejected order is final');
	// Dispatch needs exactly one assignee that exists.
	assertProblem(await step(U.staffA, r, 'dispatch', { team_id: team, user_id: ID.gridA }), 422);
	assertProblem(await step(U.staffA, r, 'dispatch', { team_id: 999999 }), 422);
	assertProblem(await step(U.staffA, r, 'dispatch'), 422, 'no assignee and no default for the category');
});

test('a failed verification and a dissatisfied evaluation reopen the order as rework', async () => {
	const o = await raise(U.resB);
	await ok(U.staffA, o, 'accept');
	await ok(U.staffA, o, 'dispatch', { partner_id: partner });
	await ok(U.liaison, o, 'handle');
	await ok(U.liaison, o, 'report');
	assertProblem(await step(U.staffA, o, 'fail'), 422, 'a failed verification says why');
	const f = await ok(U.staffA, o, 'fail', { note: '现场查看灯仍不亮' });
	assert.equal(f.state, 'dispatched');
	assert.equal(f.rework, 1);
	await ok(U.liaison, o, 'handle');
	await ok(U.liaison, o, 'report');
	await ok(U.staffA, o, 'verify');
	await ok(U.staffA, o, 'close');
	assertProblem(await step(U.resA, o, 'evaluate', { satisfaction: 'satisfied' }), 404, 'another resident');
	const d = await ok(U.resB, o, 'evaluate', { satisfaction: 'dissatisfied', note: '又坏了' });
	assert.equal(d.state, 'dispatched');
	assert.equal(d.rework, 2);
	assert.equal(d.satisfaction, 'dissatisfied');
	assert.equal(d.closed_at, null);
	await ok(U.liaison, o, 'handle');
	await ok(U.liaison, o, 'report');
	await ok(U.staffA, o, 'verify');
	await ok(U.staffA, o, 'close', { minutes: 45 });
	// The unit's member who handled it is credited, for the unit's report.
	assert.equal(sql(`SELECT user_id, partner_id, minutes FROM service_hours WHERE order_id = ${o.id}`), `${ID.liaison}|${partner}|45`);
	// Staff may record an evaluation given by phone, marked as such.
	const e = await ok(U.staffA, o, 'evaluate', { satisfaction: 'basically_satisfied', note: '电话回访' });
	assert.equal(e.state, 'evaluated');
	assert.equal(e.evaluated_on_behalf, true);
});

test('a stale version is 409 and changes nothing', async () => {
	const o = await raise();
	const a = await U.staffA.post(`/api/v1/work-orders/${o.id}/transitions`, { action: 'accept', version: o.version });
	assert.equal(a.status, 200, a.text);
	const again = await U.staffA.post(`/api/v1/work-orders/${o.id}/transitions`, {
		action: 'reject',
		version: o.version,
		note: '重复',
	});
	assertProblem(again, 409);
	assert.equal((await U.staffA.get(`/api/v1/work-orders/${o.id}`)).json.state, 'accepted');
});

test('visible to the assignee, their team and their partner unit; the inboxes', async () => {
	const o = await raise();
	assertProblem(await U.cadre1.get(`/api/v1/work-orders/${o.id}`), 404, 'not yet assigned to the cadre');
	await ok(U.staffA, o, 'accept');
	const toDispatch = await U.staffA.get('/api/v1/work-orders?box=to_dispatch');
	assert.ok(toDispatch.json.items.some((x) => x.id === o.id));
	await ok(U.staffA, o, 'dispatch', { team_id: team });
	assert.equal((await U.cadre1.get(`/api/v1/work-orders/${o.id}`)).status, 200, 'the team member sees it');
	const mine = await U.cadre1.get('/api/v1/work-orders?box=mine');
	assert.ok(mine.json.items.some((x) => x.id === o.id));
	assertProblem(await U.liaison.get(`/api/v1/work-orders/${o.id}`), 404, 'another unit does not');
	assert.ok(!(await U.staffB.get('/api/v1/work-orders')).json.items.some((x) => x.id === o.id));
	const raised = await U.resA.get('/api/v1/work-orders?box=raised');
	assert.ok(raised.json.items.some((x) => x.id === o.id));
	assert.ok(raised.json.items.every((x) => x.id !== undefined));
	assertProblem(await U.resB.get(`/api/v1/work-orders/${o.id}`), 404, 'another resident');
});

test('a confidential demand hides who raised it outside the handling chain', async () => {
	const res = await U.staffA.post('/api/v1/residents', { name: '匿名甲', area_code: A });
	assert.equal(res.status, 201, res.text);
	const o = await raise(U.staffA, {
		category: 'noise',
		resident_id: res.json.id,
		confidential: true,
		address: '青和居3栋2单元502',
		channel: 'visit',
		origin: 'visit:1',
	});
	assert.equal(o.resident_id, res.json.id, 'the handling chain sees who');
	const seen = await U.knockA.get(`/api/v1/work-orders/${o.id}`);
	assert.equal(seen.status, 200, seen.text);
	assert.equal(seen.json.resident_id, null);
	assert.equal(seen.json.address, null);
	assert.equal(seen.json.confidential, true);
	assertProblem(await U.knockA.post('/api/v1/work-orders', { category: 'noise', description: '测试', area_code: B }), 403);
	assertProblem(
		await U.staffA.post('/api/v1/work-orders', { category: 'no_such', description: '测试', area_code: A }),
		422,
	);
});

test('an integration with an API token records a demand, by no person', async () => {
	const t = await srv.cli(['apikey', 'add', '--db', srv.db, '--name', 'hotline', '--scope', 'orders.create']);
	assert.equal(t.code, 0, t.stderr);
	const c = srv.client();
	const r = await c.post(
		'/api/v1/work-orders',
		{ category: 'water_supply', description: '12345热线转来：停水', area_code: A, channel: 'phone' },
		{ headers: { Authorization: `Bearer ${t.stdout.trim()}` } },
	);
	assert.equal(r.status, 201, r.text);
	assert.equal(sql(`SELECT created_by IS NULL FROM work_orders WHERE id = ${r.json.id}`), '1');
	const seen = await U.staffA.get(`/api/v1/work-orders/${r.json.id}`);
	assert.equal(seen.json.raised_by_me, false);
	assert.deepEqual(seen.json.actions, ['accept', 'reject']);
});
