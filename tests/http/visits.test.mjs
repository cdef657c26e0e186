// Door-knocking: teams and policies, day plans (exactly the due households,
// capacity, balance, walking order, scope, carrying over what was missed), and
// visits (a demand becomes a linked work order, moved away proposes life
// events, a retried submission is stored once), on the test clock.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { A, B, bj, doorsDistrict } from './lib/doors.mjs';
import { assertProblem } from './lib/server.mjs';

let d, srv, staff, staffB, dk1, dk2, gw2, aud;
const teams = {};

/** Move the clock to a Beijing time and log everyone in again. */
async function at(local) {
	await srv.setClock(bj(local));
	[staff, staffB, dk1, dk2, gw2, aud] = await Promise.all(
		['staff', 'staffB', 'dk1', 'dk2', 'gw2', 'aud'].map((u) => srv.login(u)),
	);
}

before(async () => {
	d = await doorsDistrict([
		{ username: 'staff', role: 'community_staff', area: 'A' },
		{ username: 'staffB', role: 'community_staff', area: 'B' },
		{ username: 'dk1', role: 'doorknocker', area: 'grid1' },
		{ username: 'dk2', role: 'doorknocker', area: 'grid2' }, // on grid 1's team
		{ username: 'gw2', role: 'grid_worker', area: 'grid2' },
		{ username: 'aud', role: 'auditor', area: '420107' },
	]);
	srv = d.srv;
	await at('2026-11-10T09:00:00');
});
after(() => srv?.stop());

const ids = (assignment) => assignment.households.map((h) => h.id);
const byUser = (plan, username) => plan.assignments.find((x) => x.user.username === username);

test('staff form teams over their grids; members must be able to record visits', async () => {
	const t1 = await staff.post('/api/v1/knock-teams', { name: '第1网格敲门组', area_code: d.grid1 });
	assert.equal(t1.status, 201, t1.text);
	assert.deepEqual(t1.json.areas.map((a) => a.code), [d.grid1], 'no areas given: the team covers its own area');
	teams.t1 = t1.json.id;
	const t2 = await staff.post('/api/v1/knock-teams', { name: '第2网格敲门组', area_code: A, areas: [d.grid2] });
	assert.equal(t2.status, 201, t2.text);
	teams.t2 = t2.json.id;
	assertProblem(await staffB.post('/api/v1/knock-teams', { name: '越界', area_code: d.grid1 }), 403, 'other community');
	assertProblem(await dk1.post('/api/v1/knock-teams', { name: '自建', area_code: d.grid1 }), 403, 'a door-knocker');
	assertProblem(
		await staff.post('/api/v1/knock-teams', { name: '外区', area_code: d.grid1, areas: [B] }),
		422,
		'covering an area outside the team’s',
	);
	assertProblem(await staff.post('/api/v1/knock-teams', { name: '第1网格敲门组', area_code: d.grid1 }), 409, 'same name');
	const put = (team, user, body) => staff.put(`/api/v1/knock-teams/${team}/members/${user.user.id}`, body);
	assert.equal((await put(teams.t1, dk1, { role: 'volunteer', capacity: 2 })).status, 200);
	const m = await put(teams.t1, dk2, { role: 'party_member', capacity: 2 });
	assert.equal(m.status, 200, m.text);
	assert.deepEqual(m.json.members.map((x) => [x.username, x.role, x.capacity]), [
		['dk1', 'volunteer', 2],
		['dk2', 'party_member', 2],
	]);
	assert.equal((await put(teams.t2, gw2, { role: 'grid_worker', capacity: 5 })).status, 200);
	assertProblem(await put(teams.t1, aud, { role: 'volunteer' }), 422, 'an auditor does not knock on doors');
	// dk1 sees grid 1's team (their area); dk2 sees grid 2's (their area) and grid 1's (a member).
	assert.deepEqual((await dk1.get('/api/v1/knock-teams')).json.items.map((t) => t.id), [teams.t1]);
	assert.deepEqual((await dk2.get('/api/v1/knock-teams')).json.items.map((t) => t.id).sort(), [teams.t1, teams.t2]);
	assertProblem(await staffB.get(`/api/v1/knock-teams/${teams.t1}`), 404, 'another community’s team');
});

test('the policy: weekly for 80+ and living alone, fortnightly for hardship and disability, else monthly', async () => {
	const p = await dk1.get(`/api/v1/visit-policies/${A}`);
	assert.equal(p.status, 200, p.text);
	assert.equal(p.json.source, null);
	assert.equal(p.json.default_days, 30);
	const rules = Object.fromEntries(p.json.rules.map((x) => [x.tag, x.days]));
	assert.equal(rules.aged_80, 7);
	assert.equal(rules.living_alone, 7);
	assert.equal(rules.minimum_income, 14);
	assert.equal(rules.disabled, 14);
	assertProblem(await dk1.put(`/api/v1/visit-policies/${A}`, { ...p.json }), 403, 'a door-knocker');
	assertProblem(
		await staff.put(`/api/v1/visit-policies/${d.grid1}`, { default_days: 30, daily_capacity: 20, ack_hours: 24, rules: [] }),
		422,
		'a grid has no policy of its own',
	);
	const s = await staff.get(`/api/v1/households/${d.hh['周高龄']}/visit-status`);
	assert.equal(s.status, 200, s.text);
	assert.equal(s.json.cadence_days, 7, 'aged 82: weekly');
	assert.deepEqual(s.json.reasons, ['aged_80']);
	assert.equal(s.json.due, '2026-11-08', 'never visited: a week after it was recorded');
	const b = await dk1.get(`/api/v1/households/${d.hh['李低保']}/visit-status`);
	assert.equal(b.json.cadence_days, 14);
	assert.deepEqual(b.json.reasons, ['sensitive'], 'a door-knocker does not see which hardship');
	assert.deepEqual((await staff.get(`/api/v1/households/${d.hh['李低保']}/visit-status`)).json.reasons, ['minimum_income']);
	assertProblem(await dk1.get(`/api/v1/households/${d.hh['周高龄']}/visit-status`), 404, 'grid 2 is not dk1’s');
	assert.equal((await dk2.get(`/api/v1/households/${d.hh['张独居']}/visit-status`)).status, 200, 'dk2 through the team');
});

test('a plan covers exactly the households due that day', async () => {
	await at('2026-11-11T08:00:00');
	const r = await staff.post('/api/v1/visit-plans', { date: '2026-11-11' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.date, '2026-11-11');
	// Weekly households fell due on 8 November; the fortnightly ones on the 15th, the rest on 1 December.
	const all = r.json.assignments.flatMap(ids).sort((x, y) => x - y);
	assert.deepEqual(all, [d.hh['张独居'], d.hh['周高龄']].sort((x, y) => x - y));
	assert.equal(r.json.stats.due, 2);
	assert.equal(r.json.unplanned, 0);
	const h = byUser(r.json, 'dk1').households[0];
	assert.equal(h.due, '2026-11-08');
	assert.equal(h.overdue_days, 3);
	assert.equal(h.cadence_days, 7);
	assert.deepEqual(h.reasons, ['living_alone', 'aged_80']);
	assert.equal(h.address, '和平小区 1栋 1-101');
	assert.equal(h.floor, 1);
	assert.deepEqual(h.members.map((m) => m.name), ['张独居']);
	assert.deepEqual(ids(byUser(r.json, 'gw2')), [d.hh['周高龄']]);
	// Each door-knocker reads their own list.
	const mine = await dk1.get('/api/v1/visit-plans/2026-11-11');
	assert.deepEqual(mine.json.assignments.map((x) => x.user.username), ['dk1']);
	assert.deepEqual((await dk2.get('/api/v1/visit-plans/2026-11-11')).json.assignments, []);
	assertProblem(await dk1.post('/api/v1/visit-plans', { date: '2026-11-11' }), 403, 'door-knockers do not plan');
	assertProblem(await staffB.post('/api/v1/visit-plans', { date: '2026-11-11', area: A }), 403, 'another community');
	assertProblem(await staff.post('/api/v1/visit-plans', { date: '2026-11-01' }), 422, 'a day gone by');
	const other = await staffB.post('/api/v1/visit-plans', { date: '2026-11-11' });
	assert.deepEqual(other.json.assignments, [], 'B has no teams: nothing of A');
});

test('capacity bounds each member, the most urgent go first, the team shares along one walk', async () => {
	await at('2026-12-02T08:00:00');
	const r = await staff.post('/api/v1/visit-plans', { date: '2026-12-02', area: d.grid1 });
	assert.equal(r.status, 200, r.text);
	// Seven households of grid 1 are due; the team can do four. First the weekly one (24 days late),
	// then the fortnightly ones (17 days), then the monthly ones (1 day), in the order they were recorded.
	assert.equal(r.json.stats.due, 7);
	assert.equal(r.json.stats.planned, 4);
	assert.equal(r.json.unplanned, 3);
	assert.deepEqual(r.json.assignments.map((x) => x.user.username), ['dk1', 'dk2']);
	// Along the walk: entrance 1 up the stairs (101, 201, 301), then entrance 2.
	assert.deepEqual(ids(byUser(r.json, 'dk1')), [d.hh['张独居'], d.hh['李低保']]);
	assert.deepEqual(ids(byUser(r.json, 'dk2')), [d.hh['王普通'], d.hh['赵残疾']]);
	assert.equal(byUser(r.json, 'dk1').households[0].carried_over, true, 'planned on 11 November, not visited');
	assert.equal(byUser(r.json, 'dk2').households[0].carried_over, false);
	assert.deepEqual(byUser(r.json, 'dk2').households[1].members.map((m) => m.name), ['赵残疾', '赵家属']);
	// Grid 2's plan of 11 November stays as it was: only grid 1 was planned.
	assert.deepEqual((await gw2.get('/api/v1/visit-plans/2026-12-02')).json.assignments, []);
});

const keys = {};
const visit = (c, body, headers) => c.post('/api/v1/visits', body, headers ? { headers } : undefined);

test('a visit with a demand creates the linked work order, in the same request', async () => {
	const body = {
		household_id: d.hh['张独居'],
		outcome: 'met',
		seen: [d.res['张独居']],
		checklist: { health: 'ok', gas: 'concern', fire_exits: 'ok' },
		notes: '燃气软管老化',
		demands: [{ category: 'stairwell_lighting', description: '三楼楼道灯不亮', resident_id: d.res['张独居'] }],
	};
	const v = await visit(dk1, body, { 'Idempotency-Key': 'phone-1-0001' });
	assert.equal(v.status, 201, v.text);
	assert.equal(v.json.outcome, 'met');
	assert.deepEqual(v.json.seen.map((s) => s.name), ['张独居']);
	assert.equal(v.json.checklist.gas, 'concern');
	assert.equal(v.json.checklist.living, null);
	assert.deepEqual(v.json.visitors.map((u) => u.username), ['dk1']);
	assert.equal(v.json.work_orders.length, 1);
	const o = await staff.get(`/api/v1/work-orders/${v.json.work_orders[0]}`);
	assert.equal(o.status, 200, o.text);
	assert.equal(o.json.state, 'collected');
	assert.equal(o.json.channel, 'visit');
	assert.equal(o.json.origin, `visit:${v.json.id}`);
	assert.equal(o.json.area_code, d.sql(`SELECT area_code FROM households WHERE id = ${d.hh['张独居']}`));
	assert.equal(o.json.resident_id, d.res['张独居']);
	// The plan shows the door done, and the household is due again in a week.
	const mine = await dk1.get('/api/v1/visit-plans/2026-12-02?mine=true');
	const door = mine.json.assignments[0].households.find((h) => h.id === d.hh['张独居']);
	assert.equal(door.visit_id, v.json.id);
	assert.equal(door.outcome, 'met');
	const s = await dk1.get(`/api/v1/households/${d.hh['张独居']}/visit-status`);
	assert.equal(s.json.due, '2026-12-09');
	assert.equal(s.json.members[0].seen_at, v.json.visited_at);
	// A demand in a category that does not exist stores nothing at all.
	const bad = await visit(dk1, { ...body, demands: [{ category: 'no_such', description: '无效类别' }] });
	assertProblem(bad, 422, 'unknown category');
	assert.equal(d.sql(`SELECT count(*) FROM visits WHERE household_id = ${d.hh['张独居']}`), '1');
});

test('a visit sent twice by a retrying phone is stored once', async () => {
	const body = { household_id: d.hh['王普通'], outcome: 'not_home', notes: '敲门无人应答' };
	const key = { 'Idempotency-Key': '"b1b0c7c2-2f7b-4a55-9d3f-1c2e3a4b5c6d"' };
	const first = await visit(dk2, body, key);
	assert.equal(first.status, 201, first.text);
	const again = await visit(dk2, body, key);
	assert.equal(again.status, 201, again.text);
	assert.equal(again.headers['idempotent-replayed'], 'true');
	assert.deepEqual(again.json, first.json, 'the original response');
	assert.equal(d.sql(`SELECT count(*) FROM visits WHERE household_id = ${d.hh['王普通']}`), '1');
	assert.equal(d.sql(`SELECT not_home_run FROM visit_status WHERE household_id = ${d.hh['王普通']}`), '1');
	// The same key with another request is refused; another person's key is theirs alone.
	assertProblem(await visit(dk2, { ...body, notes: '另一次' }, key), 422, 'a key reused for another request');
	const other = await visit(dk1, body, key);
	assert.equal(other.status, 201, 'dk1’s key space is dk1’s');
	assert.notEqual(other.json.id, first.json.id);
	assertProblem(await visit(dk2, body, { 'Idempotency-Key': 'k'.repeat(256) }), 400, 'a key too long');
	// A failed request keeps nothing: the same key works once the request is right.
	const k2 = { 'Idempotency-Key': 'phone-2-0002' };
	assertProblem(await visit(dk2, { ...body, outcome: 'met' }, k2), 422, 'met, but no one named');
	assert.equal((await visit(dk2, { ...body, notes: '第二次' }, k2)).status, 201);
	keys.first = first.json.id;
	keys.body = body;
	keys.key = key;
});

test('moved away and died propose life events for staff to confirm', async () => {
	const v = await visit(dk2, { household_id: d.hh['赵残疾'], outcome: 'moved_away', notes: '邻居说已搬走' });
	assert.equal(v.status, 201, v.text);
	assert.equal(v.json.life_events.length, 2, 'everyone in the household, unless named');
	const queue = await staff.get(`/api/v1/life-events?status=proposed&area=${A}`);
	const proposed = queue.json.items.filter((e) => v.json.life_events.includes(e.id));
	assert.deepEqual(proposed.map((e) => [e.resident_name, e.kind, e.date, e.proposed_by]).sort(), [
		['赵家属', 'move_out', '2026-12-02', 'dk2'],
		['赵残疾', 'move_out', '2026-12-02', 'dk2'],
	]);
	assertProblem(
		await visit(dk1, { household_id: d.hh['陈普通'], outcome: 'died' }),
		422,
		'died: name who died',
	);
	assertProblem(
		await visit(dk1, { household_id: d.hh['陈普通'], outcome: 'met', seen: [d.res['张独居']] }),
		422,
		'seen someone of another household',
	);
	assertProblem(await visit(dk1, { household_id: d.hh['郑普通'], outcome: 'met' }), 422, 'a household of another community');
	assertProblem(await visit(dk1, { household_id: d.hh['周高龄'], outcome: 'not_home' }), 422, 'grid 2 is not dk1’s');
	for (const e of v.json.life_events) assert.equal((await staff.post(`/api/v1/life-events/${e}/confirm`, {})).status, 200);
});

test('planning the day again keeps what was visited; the next day carries over what was missed', async () => {
	const again = await staff.post('/api/v1/visit-plans', { date: '2026-12-02', area: d.grid1 });
	assert.equal(again.status, 200, again.text);
	// Visited today: 张独居 (dk1, met), 王普通 (dk2, not home), 赵残疾 (dk2, moved away). Each member had
	// room for two: dk1 one more, dk2 none.
	const dk1doors = byUser(again.json, 'dk1').households;
	assert.deepEqual(dk1doors.map((h) => [h.id, h.visit_id != null]), [
		[d.hh['张独居'], true],
		[d.hh['李低保'], false],
	]);
	assert.deepEqual(byUser(again.json, 'dk2').households.map((h) => h.outcome).sort(), ['moved_away', 'not_home']);
	assert.equal(again.json.stats.kept, 3);
	// dk1 finds nobody at 李低保.
	assert.equal((await visit(dk1, { household_id: d.hh['李低保'], outcome: 'not_home' })).status, 201);
	await at('2026-12-03T08:00:00');
	const next = await staff.post('/api/v1/visit-plans', { date: '2026-12-03', area: d.grid1 });
	assert.equal(next.status, 200, next.text);
	const doors = next.json.assignments.flatMap((x) => x.households);
	const got = Object.fromEntries(doors.map((h) => [h.id, h.carried_over]));
	// 张独居 was met yesterday: due again on the 9th. 赵残疾's household moved out (confirmed): nobody to visit.
	assert.equal(got[d.hh['张独居']], undefined);
	assert.equal(got[d.hh['赵残疾']], undefined);
	// Not at home yesterday, both: first among equals, and marked as carried over; then the monthly
	// ones in the order they were recorded, until the team is full.
	assert.equal(got[d.hh['李低保']], true);
	assert.equal(got[d.hh['王普通']], true);
	assert.equal(got[d.hh['陈普通']], false);
	assert.equal(next.json.stats.planned, 4);
	assert.equal(next.json.unplanned, 1);
	assert.deepEqual(
		Object.keys(got).map(Number).sort((x, y) => x - y),
		[d.hh['李低保'], d.hh['王普通'], d.hh['陈普通'], d.hh['刘普通']].sort((x, y) => x - y),
	);
});

test('visits are listed in scope; other communities see none of them', async () => {
	const mine = await dk1.get('/api/v1/visits?mine=true');
	assert.equal(mine.status, 200, mine.text);
	assert.ok(mine.json.items.length >= 3);
	assert.ok(mine.json.items.every((v) => v.visitors.some((u) => u.username === 'dk1')));
	const one = await staff.get(`/api/v1/visits?household=${d.hh['王普通']}`);
	assert.ok(one.json.items.length >= 2);
	assert.ok(one.json.items.every((v) => v.household_id === d.hh['王普通']));
	assert.deepEqual((await staffB.get(`/api/v1/visits?household=${d.hh['王普通']}`)).json.items, []);
	assertProblem(await staffB.get(`/api/v1/visits/${one.json.items[0].id}`), 404, 'another community’s visit');
	const day = await staff.get('/api/v1/visits?from=2026-12-02&to=2026-12-02&outcome=not_home');
	assert.ok(day.json.items.length >= 2);
	assert.ok(day.json.items.every((v) => v.outcome === 'not_home' && v.visited_at.startsWith('2026-12-02')));
});

test('an Idempotency-Key is kept for 24 hours', async () => {
	await at('2026-12-03T09:00:00');
	const later = await visit(dk2, keys.body, keys.key);
	assert.equal(later.status, 201, later.text);
	assert.notEqual(later.json.id, keys.first, 'a day later the key is new again');
	assert.equal(later.headers['idempotent-replayed'], undefined);
});

test('doorstep plan visits plans the whole district the way the web app plans a community', async () => {
	const api = await staff.post('/api/v1/visit-plans', { date: '2026-12-04' });
	assert.equal(api.status, 200, api.text);
	const out = path.join(srv.dir, 'plan.json');
	const r = await srv.cli(['plan', 'visits', '--db', srv.db, '--date', '2026-12-04', '--out', out]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /^Planned 2026-12-04: 2 teams, 3 members, /m);
	assert.match(r.stdout, /^Planning took [0-9.]+ ms \(reading [0-9.]+, choosing [0-9.]+, storing [0-9.]+\); [0-9.]+ ms in all\.$/m);
	const file = JSON.parse(fs.readFileSync(out, 'utf8'));
	assert.equal(file.date, '2026-12-04');
	const doors = (plan) => plan.assignments.map((x) => [x.user.username, x.team.id, ids(x)]);
	assert.deepEqual(doors(file), doors(api.json));
	assert.ok(file.assignments.length > 0);
	const h = file.assignments[0].households[0];
	for (const k of ['id', 'due', 'overdue_days', 'cadence_days', 'reasons', 'address', 'floor', 'seq']) assert.ok(k in h, k);
	assert.equal(h.members, undefined, 'no names in the file');
	const usage = await srv.cli(['plan', 'visits', '--db', srv.db, '--date', '2026-02-30']);
	assert.equal(usage.code, 64, 'not a date');
});
