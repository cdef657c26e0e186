// Work-order time limits, escalation and metrics, on the test clock: a
// working-hour limit across the 2026 National Day holiday, a red order raised
// to its street, and the metrics against values computed by hand.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { assertProblem, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区, in 工人村街道 (420107005)
const B = '420107005001'; // 青雅居社区

let srv, staff, staffB, grid, street;
const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, q]).toString().trim();

/** Set the clock to a Beijing time and log in again (a jump past the idle timeout ends sessions). */
async function at(local) {
	await srv.setClock(bj(local));
	[staff, staffB, grid, street] = await Promise.all(['staff', 'staffB', 'grid', 'street'].map((u) => srv.login(u)));
}

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff', role: 'community_staff', area: A },
			{ username: 'staffB', role: 'community_staff', area: B },
			{ username: 'grid', role: 'grid_worker', area: A },
			{ username: 'street', role: 'street_admin', area: '420107005' },
		],
	});
});
after(() => srv?.stop());

/** Beijing time as an ISO instant. */
const bj = (local) => new Date(`${local}+08:00`).toISOString();

async function step(c, id, action, extra = {}) {
	const cur = await staff.get(`/api/v1/work-orders/${id}`);
	const r = await c.post(`/api/v1/work-orders/${id}/transitions`, { action, version: cur.json.version, ...extra });
	assert.equal(r.status, 200, `${action}: ${r.text}`);
	return r.json;
}

async function dispatched(category, urgency = 'normal') {
	const o = await staff.post('/api/v1/work-orders', { category, urgency, description: '测试工单', area_code: A });
	assert.equal(o.status, 201, o.text);
	await step(staff, o.json.id, 'accept');
	return step(staff, o.json.id, 'dispatch', { user_id: grid.user.id });
}

test('a working-hour limit skips nights, weekends and the National Day holiday', async () => {
	// Urgent stairwell lighting: 8 working hours. Dispatched Wednesday 30 September 2026 at 16:00:
	// 2 hours that day (to 18:00), 1–7 October are holidays, then 8 October 09:00–12:00 (3 hours)
	// and 13:30–16:30 (3 hours): due Thursday 8 October at 16:30.
	await at('2026-09-30T16:00:00');
	// The test clock runs on from where it is set: compare against the moment of dispatch.
	const after = (o, local) => Date.parse(o.due_at) - Date.parse(bj(local));
	const late = (o) => Date.parse(o.dispatched_at) - Date.parse(bj('2026-09-30T16:00:00'));
	const o = await dispatched('stairwell_lighting', 'urgent');
	assert.ok(late(o) >= 0 && late(o) < 5000, o.dispatched_at);
	assert.equal(after(o, '2026-10-08T16:30:00'), late(o), o.due_at);
	// A calendar-hour category (noise, urgent: 4 hours) does not care about holidays.
	const n = await dispatched('noise', 'urgent');
	assert.equal(after(n, '2026-09-30T20:00:00'), late(n), n.due_at);
});

test('a red order is raised to its street once, with a step in its timeline, and the street is told', async () => {
	await at('2026-11-30T09:00:00');
	const o = await dispatched('noise'); // 24 calendar hours
	assert.equal(o.warning, 'green');
	await at('2026-11-30T23:00:00');
	assert.equal((await staff.get(`/api/v1/work-orders/${o.id}`)).json.warning, 'green', '14 of 24 hours used');
	await at('2026-12-01T05:00:00');
	assert.equal((await staff.get(`/api/v1/work-orders/${o.id}`)).json.warning, 'yellow', 'four fifths used');
	await srv.tick();
	assert.equal((await staff.get(`/api/v1/work-orders/${o.id}`)).json.escalated_to, null, 'not yet due');
	await at('2026-12-01T09:30:00');
	await srv.tick();
	await srv.tick(); // once only
	const got = (await street.get(`/api/v1/work-orders/${o.id}`)).json;
	assert.equal(got.warning, 'red');
	assert.equal(got.escalated_to, '420107005');
	assert.equal(got.steps.filter((s) => s.action === 'escalate').length, 1);
	assert.equal(sql(`SELECT count(*) FROM notifications WHERE order_id = ${o.id} AND kind = 'escalated'`), '1');
	const overdue = await staff.get('/api/v1/work-orders?box=overdue');
	assert.ok(overdue.json.items.some((x) => x.id === o.id));
});

test('metrics against hand-computed values', async () => {
	// Four noise orders (24 calendar hours) dispatched on Monday 7 December 2026 at 09:00,
	// due Tuesday at 09:00; one blocked drain (also 24 calendar hours) to check the category filter.
	await at('2026-12-07T09:00:00');
	const [o1, o2, o3, o4] = [await dispatched('noise'), await dispatched('noise'), await dispatched('noise'), await dispatched('noise')];
	const other = await dispatched('blocked_drain');
	await at('2026-12-07T10:00:00');
	for (const o of [o1, o2, o3]) {
		await step(grid, o.id, 'handle');
		await step(grid, o.id, 'report');
	}
	await step(staff, o3.id, 'fail', { note: '未处理好' }); // rework: due again Tuesday 10:00
	await at('2026-12-07T12:00:00');
	await step(staff, o1.id, 'verify');
	await step(staff, o1.id, 'close'); // on time, 3 hours after the demand
	await at('2026-12-09T09:00:00');
	await step(staff, o2.id, 'verify');
	await step(staff, o2.id, 'close'); // late, 48 hours after the demand
	await step(staff, o1.id, 'evaluate', { satisfaction: 'satisfied' });
	await step(staff, o2.id, 'evaluate', { satisfaction: 'basically_satisfied' });
	void o4; // left open, overdue

	const m = await staff.get('/api/v1/work-orders/metrics?from=2026-12-07&to=2026-12-08&category=noise');
	assert.equal(m.status, 200, m.text);
	// The test clock runs on from where it was set, so the 3 hours may be off by a second or two.
	const { median_seconds_to_close: median, ...counts } = m.json;
	assert.ok(Math.abs(median - 3 * 3600) <= 5, `median ${median}`);
	assert.deepEqual(counts, {
		due: 4,
		deferred: 0,
		closed: 2,
		closed_on_time: 1,
		reworked: 1,
		evaluated: 2,
		satisfied: 2,
		closure_rate: 0.5,
		on_time_rate: 0.25,
		rework_rate: 0.25,
		satisfaction_rate: 1,
	});
	const here = await street.get(`/api/v1/work-orders/metrics?from=2026-12-07&to=2026-12-08&category=noise&area=${A}`);
	assert.equal(here.json.due, 4, 'the street admin narrowed to the community');
	assert.equal((await street.get(`/api/v1/work-orders/metrics?from=2026-12-07&to=2026-12-08&area=${B}`)).json.due, 0);
	assertProblem(await staffB.get(`/api/v1/work-orders/metrics?from=2026-12-07&to=2026-12-08&area=${A}`), 403);
	const all = await staff.get('/api/v1/work-orders/metrics?from=2026-12-07&to=2026-12-08');
	assert.equal(all.json.due, 5, 'the blocked drain too');
	void other;
	const theirs = await staffB.get('/api/v1/work-orders/metrics?from=2026-12-07&to=2026-12-08');
	assert.equal(theirs.json.due, 0, 'another community sees only its own');
	assert.equal(theirs.json.closure_rate, null, 'no rate without orders');
	const before = await staff.get('/api/v1/work-orders/metrics?from=2026-12-02&to=2026-12-06&category=noise');
	assert.equal(before.json.due, 0, 'nothing fell due that week');
	assertProblem(await staff.get('/api/v1/work-orders/metrics?from=2026-12-08&to=2026-12-07'), 422);
	assertProblem(await staff.get('/api/v1/work-orders/metrics?from=yesterday&to=2026-12-07'), 422);
});

test('extension, deferral, return and voiding need another person\'s approval', async () => {
	await at('2026-12-14T09:00:00'); // a Monday
	const o = await dispatched('noise'); // due Tuesday 09:00
	const ask = (c, body) => c.post(`/api/v1/work-orders/${o.id}/requests`, body);
	assertProblem(await ask(grid, { kind: 'extend', note: '需要等配件' }), 422, 'an extension says how long');
	assertProblem(await ask(grid, { kind: 'void', note: '重复' }), 403, 'only staff ask to void');
	const x = await ask(grid, { kind: 'extend', hours: 24, note: '需要等配件' });
	assert.equal(x.status, 201, x.text);
	assert.equal(x.json.status, 'pending');
	assertProblem(await ask(grid, { kind: 'defer', note: '再说' }), 409, 'one request at a time');
	assertProblem(await grid.post(`/api/v1/work-order-requests/${x.json.id}/decision`, { approve: true }), 403);
	const pending = await staff.get('/api/v1/work-order-requests?status=pending');
	assert.ok(pending.json.items.some((q) => q.id === x.json.id));
	const d = await staff.post(`/api/v1/work-order-requests/${x.json.id}/decision`, { approve: true, note: '同意' });
	assert.equal(d.status, 200, d.text);
	assert.equal(d.json.status, 'approved');
	assert.equal(d.json.decided_by, 'staff');
	assertProblem(await staff.post(`/api/v1/work-order-requests/${x.json.id}/decision`, { approve: false }), 409);
	const extended = (await staff.get(`/api/v1/work-orders/${o.id}`)).json;
	assert.equal(Date.parse(extended.due_at) - Date.parse(o.due_at), 24 * 3600 * 1000, 'a day more');
	assert.deepEqual(
		extended.steps.slice(-2).map((s) => s.action),
		['request_extend', 'approve_extend'],
	);
	// Staff may not approve their own request; a street admin may.
	const v = await staff.post(`/api/v1/work-orders/${o.id}/requests`, { kind: 'defer', note: '居民外出一个月' });
	assert.equal(v.status, 201, v.text);
	assertProblem(await staff.post(`/api/v1/work-order-requests/${v.json.id}/decision`, { approve: true }), 403);
	assert.equal((await street.post(`/api/v1/work-order-requests/${v.json.id}/decision`, { approve: true })).status, 200);
	assert.equal((await staff.get(`/api/v1/work-orders/${o.id}`)).json.deferred, true);
	// Returned to the dispatcher: accepted again, without an assignee or a limit.
	const b = await grid.post(`/api/v1/work-orders/${o.id}/requests`, { kind: 'return', note: '不属于网格职责' });
	assert.equal((await staff.post(`/api/v1/work-order-requests/${b.json.id}/decision`, { approve: true })).status, 200);
	const back = (await staff.get(`/api/v1/work-orders/${o.id}`)).json;
	assert.equal(back.state, 'accepted');
	assert.equal(back.assignee, null);
	assert.equal(back.due_at, null);
	// Voided: final. A denied request changes nothing.
	const n = await staff.post(`/api/v1/work-orders/${o.id}/requests`, { kind: 'void', note: '居民撤回' });
	assert.equal((await street.post(`/api/v1/work-order-requests/${n.json.id}/decision`, { approve: false })).status, 200);
	assert.equal((await staff.get(`/api/v1/work-orders/${o.id}`)).json.state, 'accepted');
	const m = await staff.post(`/api/v1/work-orders/${o.id}/requests`, { kind: 'void', note: '居民撤回' });
	assert.equal((await street.post(`/api/v1/work-order-requests/${m.json.id}/decision`, { approve: true })).status, 200);
	const voided = (await staff.get(`/api/v1/work-orders/${o.id}`)).json;
	assert.equal(voided.state, 'voided');
	const again = await staff.post(`/api/v1/work-orders/${o.id}/transitions`, {
		action: 'dispatch',
		version: voided.version,
		user_id: grid.user.id,
	});
	assertProblem(again, 409, 'a voided order is final');
});
