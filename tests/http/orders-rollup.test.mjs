// Work-order metrics from the rollups (issue 4), on the test clock: orders are
// walked through dispatch, handling, closing, evaluation, rework, extension,
// deferral, return and voiding, in areas of several depths and two districts.
// After each stage the metrics of many selections (callers of different
// scopes, areas, categories, teams, partner units, periods) equal the values
// computed here from the orders' own JSON, and at the end the rollups kept
// step by step equal a rebuild from the records.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { addUser, run, startServer, tempDir } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区, in 工人村街道 (420107005)
const B = '420107005001'; // 青雅居社区
const G = '420107005008001'; // a grid in A, loaded here
const ODD = '4201070050089'; // a code length the rollups do not keep: answered from the records
const J = '420102001001'; // a community of another district, loaded here

let srv, token, team, partner;
const C = {}; // clients by username
const USERS = [
	['dist', 'district_admin', '420107'],
	['street', 'street_admin', '420107005'],
	['staffA', 'community_staff', A],
	['staffB', 'community_staff', B],
	['gridA', 'grid_worker', A],
	['both', 'community_staff', A],
	['both', 'community_staff', B],
	['staffJ', 'community_staff', J],
];
const SCOPES = { dist: ['420107'], street: ['420107005'], staffA: [A], both: [A, B], staffJ: [J], token: [''] };
// The server may hold the write lock a moment (a start-up task): wait for it rather than fail.
const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, q]).toString().trim();
const bj = (local) => new Date(`${local}+08:00`).toISOString();

before(async () => {
	const dir = tempDir();
	const db = path.join(dir, 'doorstep.db');
	for (const [username, role, area] of USERS.filter((u) => u[2] !== J)) await addUser(db, { username, role, area });
	const file = path.join(dir, 'areas.json');
	fs.writeFileSync(
		file,
		JSON.stringify({
			source: 'test',
			areas: [
				{ code: G, name: '青和居第一网格', kind: 'grid', parent: A },
				{ code: ODD, name: '青和居试点片区', kind: 'grid', parent: A },
				{ code: '420102', name: '江岸区', kind: 'district', parent: null },
				{ code: '420102001', name: '大智街道', kind: 'street', parent: '420102' },
				{ code: J, name: '测试社区居委会', kind: 'community', parent: '420102001' },
			],
		}),
	);
	const loaded = await run(['areas', 'load', '--db', db, file]);
	assert.equal(loaded.code, 0, loaded.stderr);
	await addUser(db, { username: 'staffJ', role: 'community_staff', area: J });
	const key = await run(['apikey', 'add', '--db', db, '--name', 'dashboard', '--scope', 'orders.read']);
	assert.equal(key.code, 0, key.stderr);
	token = key.stdout.trim();
	srv = await startServer({ db, dir });
	sql(`INSERT INTO partners (name, kind, contact, created_at) VALUES ('武钢集团', 'enterprise', '', 0)`);
	partner = Number(sql(`SELECT id FROM partners WHERE name = '武钢集团'`));
	sql(`INSERT INTO teams (name, area_code, partner_id, created_at) VALUES ('青和居好样的工作队', '${A}', NULL, 0)`);
	team = Number(sql(`SELECT id FROM teams WHERE name = '青和居好样的工作队'`));
	const grid = Number(sql(`SELECT id FROM users WHERE username = 'gridA'`));
	sql(`INSERT INTO team_members (team_id, user_id) VALUES (${team}, ${grid})`);
	sql(`INSERT INTO partner_members (partner_id, user_id) VALUES (${partner}, ${grid})`);
});
after(() => srv?.stop());

/** Set the clock to a Beijing time and log in again (a jump past the idle timeout ends sessions). */
async function at(local) {
	await srv.setClock(bj(local));
	for (const name of new Set(USERS.map((u) => u[0]))) C[name] = await srv.login(name);
	C.token = srv.client();
	C.token.get = (p) => C.token.req('GET', p, { headers: { Authorization: `Bearer ${token}` } });
}

async function step(client, id, action, extra = {}) {
	const cur = await C.dist.get(`/api/v1/work-orders/${id}`);
	const version = cur.status === 200 ? cur.json.version : (await C.staffJ.get(`/api/v1/work-orders/${id}`)).json.version;
	const r = await client.post(`/api/v1/work-orders/${id}/transitions`, { action, version, ...extra });
	assert.equal(r.status, 200, `${action} on ${id}: ${r.text}`);
	return r.json;
}

/** A demand recorded and dispatched by staff; returns its id. */
async function dispatched(staff, body, to) {
	const o = await staff.post('/api/v1/work-orders', { description: '测试工单', ...body });
	assert.equal(o.status, 201, o.text);
	await step(staff, o.json.id, 'accept');
	await step(staff, o.json.id, 'dispatch', to);
	return o.json.id;
}

/** Handled and reported by the grid worker (also a member of the team and the unit), verified and closed by staff. */
async function done(staff, id, last = 'close') {
	await step(C.gridA, id, 'handle');
	await step(C.gridA, id, 'report');
	if (last === 'report') return;
	await step(staff, id, 'verify');
	await step(staff, id, 'close');
}

/** A request asked by staff (of A unless told) and approved by the street. */
async function approved(id, kind, hours, asker = C.staffA) {
	const q = await asker.post(`/api/v1/work-orders/${id}/requests`, { kind, note: '测试', ...(hours ? { hours } : {}) });
	assert.equal(q.status, 201, q.text);
	const d = await C.street.post(`/api/v1/work-order-requests/${q.json.id}/decision`, { approve: true });
	assert.equal(d.status, 200, d.text);
}

/** Every order, through the token's whole-tree scope. */
async function allOrders() {
	const out = [];
	let cursor = null;
	do {
		const r = await C.token.get(`/api/v1/work-orders?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
		assert.equal(r.status, 200, r.text);
		out.push(...r.json.items);
		cursor = r.json.next_cursor;
	} while (cursor);
	return out;
}

const beijingDay = (iso) => new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 10);
const rate = (num, den) => (den > 0 ? num / den : null);

/** The metrics of a selection computed from the orders' JSON, by the issue's definitions. */
function expected(orders, scope, { from, to, area = '', category, team: t, partner: p }) {
	const sel = orders.filter(
		(o) =>
			o.due_at !== null &&
			beijingDay(o.due_at) >= from &&
			beijingDay(o.due_at) <= to &&
			scope.some((s) => o.area_code.startsWith(s)) &&
			o.area_code.startsWith(area) &&
			(!category || o.category === category) &&
			(!t || (o.assignee?.kind === 'team' && o.assignee.id === t)) &&
			(!p || (o.assignee?.kind === 'partner' && o.assignee.id === p)),
	);
	const closed = sel.filter((o) => o.closed_at !== null);
	const evaluated = sel.filter((o) => o.satisfaction !== null);
	const m = {
		due: sel.length,
		deferred: sel.filter((o) => o.deferred).length,
		closed: closed.length,
		closed_on_time: closed.filter((o) => Date.parse(o.closed_at) <= Date.parse(o.due_at)).length,
		reworked: sel.filter((o) => o.rework > 0).length,
		evaluated: evaluated.length,
		satisfied: evaluated.filter((o) => o.satisfaction !== 'dissatisfied').length,
	};
	const secs = closed.map((o) => (Date.parse(o.closed_at) - Date.parse(o.created_at)) / 1000).sort((a, b) => a - b);
	m.median_seconds_to_close = secs.length ? secs[Math.floor((secs.length - 1) / 2)] : null;
	m.closure_rate = rate(m.closed, m.due - m.deferred);
	m.on_time_rate = rate(m.closed_on_time, m.due - m.deferred);
	m.rework_rate = rate(m.reworked, m.due);
	m.satisfaction_rate = rate(m.satisfied, m.evaluated);
	return m;
}

const PERIODS = [
	['2026-12-07', '2026-12-07'],
	['2026-12-08', '2026-12-08'],
	['2026-12-09', '2026-12-10'],
	['2026-12-07', '2026-12-31'],
	['2026-11-01', '2027-01-31'],
];

/** Selections for a caller: the whole scope, and narrowed by area, category, team, unit and both. */
function filters(name) {
	const areas = { dist: ['420107005', A, G, ODD, B], street: [A, G, B], staffA: [G, ODD], both: [A, B], staffJ: [], token: ['420107', '420102', J] }[name];
	return [
		{},
		...areas.map((area) => ({ area })),
		{ category: 'noise' },
		{ category: 'blocked_drain' },
		{ category: 'greenery' },
		{ team },
		{ partner },
		{ category: 'noise', team },
		{ ...(areas.length ? { area: areas[0] } : {}), category: 'noise', partner },
	];
}

/** Every caller, period and selection: the metrics equal what the orders' JSON gives. */
async function check(label) {
	const orders = await allOrders();
	let nonzero = 0;
	for (const [name, scope] of Object.entries(SCOPES)) {
		for (const [from, to] of PERIODS) {
			for (const f of filters(name)) {
				const sel = { from, to, ...f };
				const q = new URLSearchParams(Object.entries(sel).map(([k, v]) => [k, String(v)]));
				const r = await C[name].get(`/api/v1/work-orders/metrics?${q}`);
				assert.equal(r.status, 200, `${label}: ${name} ${q}: ${r.text}`);
				assert.deepEqual(r.json, expected(orders, scope, sel), `${label}: ${name} ${q}`);
				nonzero += r.json.due > 0;
			}
		}
	}
	assert.ok(nonzero > 50, `${label}: most selections hold orders (${nonzero})`);
}

test('the metrics equal the records through every step of the loop', async () => {
	// Monday 7 December 2026: demands in A, its grid, its odd area, B and the other district.
	await at('2026-12-07T09:00:00');
	const o1 = await dispatched(C.staffA, { category: 'noise', area_code: A }, { user_id: C.gridA.user.id });
	const o2 = await dispatched(C.staffA, { category: 'noise', area_code: A }, { team_id: team });
	const o3 = await dispatched(C.staffA, { category: 'blocked_drain', area_code: A }, { partner_id: partner });
	const o4 = await dispatched(C.staffA, { category: 'noise', area_code: G }, { user_id: C.gridA.user.id });
	const o5 = await dispatched(C.staffB, { category: 'stairwell_lighting', area_code: B }, { partner_id: partner });
	const o6 = await dispatched(C.staffA, { category: 'noise', area_code: ODD }, { team_id: team });
	const o7 = await dispatched(C.staffJ, { category: 'noise', area_code: J }, { user_id: C.gridA.user.id });
	const o8 = await dispatched(C.staffA, { category: 'noise', urgency: 'urgent', area_code: A }, { team_id: team });
	const o9 = await C.staffA.post('/api/v1/work-orders', { category: 'noise', description: '未受理', area_code: A });
	assert.equal(o9.status, 201, 'recorded, never dispatched: no limit, not counted');
	await check('dispatched');

	// Late on Monday: an urgent order (4 hours) due on Tuesday in Beijing, still Monday in UTC.
	await at('2026-12-07T23:30:00');
	const o10 = await dispatched(C.staffA, { category: 'noise', urgency: 'urgent', area_code: G }, { team_id: team });
	await at('2026-12-08T01:00:00');
	await done(C.staffA, o8); // closed after its limit
	await check('around midnight');

	// Tuesday: closed on time, rework after a failed verification, a dissatisfied evaluation.
	await at('2026-12-08T08:00:00');
	await done(C.staffA, o1);
	await done(C.staffA, o2, 'report');
	await step(C.staffA, o2, 'fail', { note: '未处理好' }); // rework: a new limit, a day later
	await done(C.staffA, o4);
	await step(C.staffA, o8, 'evaluate', { satisfaction: 'satisfied' });
	await check('closed and reworked');
	await at('2026-12-08T12:00:00');
	await step(C.staffA, o1, 'evaluate', { satisfaction: 'dissatisfied' }); // reopened: not closed any more
	await step(C.staffA, o4, 'evaluate', { satisfaction: 'basically_satisfied' });
	await approved(o3, 'extend', 48); // due two days later
	await approved(o10, 'defer');
	await approved(o6, 'return'); // no limit any more, not counted
	await check('evaluated, extended, deferred, returned');

	// Wednesday and Thursday: five orders a few seconds apart, whose times to close share a histogram
	// bucket (the median is found by its rank there); the returned order goes to the unit, the reworked
	// ones close, one is voided.
	await at('2026-12-09T09:00:00');
	const close = [];
	for (const s of ['00', '07', '19', '30', '41']) {
		await srv.setClock(bj(`2026-12-09T09:00:${s}`));
		close.push(await dispatched(C.staffA, { category: 'greenery', area_code: A }, { user_id: C.gridA.user.id }));
	}
	await at('2026-12-09T15:00:00');
	await step(C.staffA, o6, 'dispatch', { partner_id: partner });
	await done(C.staffA, o2);
	await done(C.staffA, o1);
	await step(C.staffA, o2, 'evaluate', { satisfaction: 'basically_satisfied' });
	await done(C.staffJ, o7);
	await approved(o5, 'void', 0, C.staffB);
	await check('redispatched, closed again, voided');
	await at('2026-12-10T10:30:00');
	await done(C.staffA, o3);
	await done(C.staffA, o6);
	await done(C.staffA, o10);
	for (const id of close) await done(C.staffA, id);
	await step(C.staffA, o1, 'evaluate', { satisfaction: 'satisfied' });
	await check('all closed');
});

test('the rollups kept step by step equal a rebuild from the records', async () => {
	const dump = () =>
		sql(
			'SELECT area, category, team, partner, day, due, deferred, closed, on_time, reworked, evaluated,' +
				' satisfied, hex(hist) FROM order_rollups ORDER BY area, category, team, partner, day',
		);
	const kept = dump();
	assert.ok(kept.split('\n').length > 40, `the rollups hold rows: ${kept.split('\n').length}`);
	assert.equal(sql('SELECT count(*) FROM order_rollups WHERE due <= 0'), '0', 'no empty or negative rows');
	// Marked for a rebuild, the metrics come from the records meanwhile; the scheduler rebuilds them.
	sql('INSERT INTO order_rollups_rebuild VALUES (1)');
	await check('from the records');
	await srv.tick();
	assert.equal(sql('SELECT count(*) FROM order_rollups_rebuild'), '0');
	assert.equal(dump(), kept);
	await check('rebuilt');
});
