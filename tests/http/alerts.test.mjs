// Welfare alerts on the test clock: a vulnerable resident not seen in person
// within their cadence raises an alert to the grid, which escalates to the
// community when nobody acknowledges it in time; alerts are acknowledged and
// closed with a result; a visit that meets the resident closes theirs; an
// elderly person living alone not at home twice running raises one at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { A, bj, doorsDistrict } from './lib/doors.mjs';
import { assertProblem, eventually } from './lib/server.mjs';

let d, srv, staff, gw1, gw2, dk1, street;

async function at(local) {
	await srv.setClock(bj(local));
	[staff, gw1, gw2, dk1, street] = await Promise.all(['staff', 'gw1', 'gw2', 'dk1', 'street'].map((u) => srv.login(u)));
}

before(async () => {
	d = await doorsDistrict([
		{ username: 'staff', role: 'community_staff', area: 'A' },
		{ username: 'gw1', role: 'grid_worker', area: 'grid1' },
		{ username: 'gw2', role: 'grid_worker', area: 'grid2' },
		{ username: 'dk1', role: 'doorknocker', area: 'grid1' },
		{ username: 'street', role: 'street_admin', area: '420107005' },
	]);
	srv = d.srv;
	// The scan that runs as the server starts sees the real date, weeks after 1 November: its
	// alerts are removed, and the test clock is then set to days before the real one, so that
	// only POST /test/tick runs the scan again.
	await eventually(() => Number(d.sql('SELECT count(*) FROM welfare_alerts')) > 0, { message: 'the first scan' });
	d.sql('DELETE FROM welfare_alerts');
});
after(() => srv?.stop());

const list = async (c, q = '') => {
	const r = await c.get(`/api/v1/welfare-alerts${q}`);
	assert.equal(r.status, 200, r.text);
	return r.json.items;
};
const names = (items) => items.map((a) => `${a.resident.name}:${a.kind}`).sort();
const alertOf = async (name, kind = 'not_seen', status) =>
	(await list(staff, `?kind=${kind}${status ? `&status=${status}` : ''}`)).find((a) => a.resident.name === name);

test('a vulnerable resident not seen within their cadence raises an alert to their grid', async () => {
	// Recorded on 1 November, never visited: the weekly ones are due by the 8th.
	await at('2026-11-08T20:00:00');
	await srv.tick();
	assert.deepEqual(await list(staff), [], 'still within the week');
	await at('2026-11-09T09:00:00');
	await srv.tick();
	await srv.tick(); // once only
	assert.deepEqual(names(await list(staff)), ['周高龄:not_seen', '张独居:not_seen']);
	// Each grid worker sees their grid's; the street follows both; a door-knocker has no alerts.
	assert.deepEqual(names(await list(gw1)), ['张独居:not_seen']);
	assert.deepEqual(names(await list(gw2)), ['周高龄:not_seen']);
	assert.equal((await list(street)).length, 2);
	assertProblem(await dk1.get('/api/v1/welfare-alerts'), 403, 'a door-knocker');
	const a = await alertOf('张独居');
	assert.equal(a.status, 'open');
	assert.equal(a.level, 'grid');
	assert.equal(a.cadence_days, 7);
	assert.equal(a.last_seen_at, '2026-11-01T04:00:00Z', 'never seen: since they were recorded');
	assert.equal(Date.parse(a.escalate_at) - Date.parse(a.raised_at), 24 * 3600 * 1000);
	assert.equal(a.address, '和平小区 1栋 1-101');
	// Fortnightly and monthly households are not due yet; nobody else is vulnerable.
	assert.equal(await alertOf('李低保'), undefined);
	assert.equal(await alertOf('孙普通'), undefined);
});

test('an alert nobody acknowledges escalates to community staff; an acknowledged one does not', async () => {
	const mine = await alertOf('张独居');
	assertProblem(
		await street.post(`/api/v1/welfare-alerts/${mine.id}/acknowledge`, { version: mine.version }),
		403,
		'the street reads alerts but does not handle them',
	);
	assertProblem(
		await gw2.post(`/api/v1/welfare-alerts/${mine.id}/acknowledge`, { version: mine.version }),
		404,
		'another grid’s alert',
	);
	const ack = await gw1.post(`/api/v1/welfare-alerts/${mine.id}/acknowledge`, { version: mine.version, note: '今天去看' });
	assert.equal(ack.status, 200, ack.text);
	assert.equal(ack.json.status, 'acknowledged');
	assert.equal(ack.json.acknowledged_by, 'gw1');
	assertProblem(
		await gw1.post(`/api/v1/welfare-alerts/${mine.id}/acknowledge`, { version: ack.json.version }),
		409,
		'acknowledged twice',
	);
	await at('2026-11-10T08:00:00');
	await srv.tick();
	assert.deepEqual(await list(staff, '?level=community'), [], 'not yet 24 hours');
	await at('2026-11-10T09:30:00');
	await srv.tick();
	const up = await list(staff, '?level=community');
	assert.deepEqual(names(up), ['周高龄:not_seen']);
	assert.ok(up[0].escalated_at >= '2026-11-10T01:30:00Z');
	assert.equal((await alertOf('张独居')).level, 'grid');
});

test('alerts are closed with a result; a closed one counts as contact until the next cadence', async () => {
	const a = await alertOf('周高龄');
	assertProblem(
		await gw2.post(`/api/v1/welfare-alerts/${a.id}/close`, { version: a.version, result: 'other' }),
		422,
		'other needs a note',
	);
	assertProblem(
		await gw2.post(`/api/v1/welfare-alerts/${a.id}/close`, { version: a.version + 1, result: 'reached_by_phone' }),
		409,
		'a stale version',
	);
	const c = await gw2.post(`/api/v1/welfare-alerts/${a.id}/close`, {
		version: a.version,
		result: 'reached_by_phone',
		note: '电话联系上，住在女儿家',
	});
	assert.equal(c.status, 200, c.text);
	assert.equal(c.json.status, 'closed');
	assert.equal(c.json.result, 'reached_by_phone');
	assert.equal(c.json.closed_by, 'gw2');
	assertProblem(
		await gw2.post(`/api/v1/welfare-alerts/${a.id}/close`, { version: c.json.version, result: 'with_relatives' }),
		409,
		'closed twice',
	);
	await srv.tick();
	assert.equal(await alertOf('周高龄', 'not_seen', 'open'), undefined, 'not raised again at once');
	// A week after the call, still not seen in person: a new alert.
	await at('2026-11-18T09:00:00');
	await srv.tick();
	const again = await alertOf('周高龄', 'not_seen', 'open');
	assert.ok(again, 'raised again a cadence after the last contact');
	assert.notEqual(again.id, a.id);
	// By now the fortnightly ones are overdue too.
	assert.deepEqual(names(await list(gw1, '?status=open')), ['李低保:not_seen', '赵残疾:not_seen']);
});

test('a visit that meets the resident closes their alert', async () => {
	const v = await dk1.post('/api/v1/visits', {
		household_id: d.hh['张独居'],
		outcome: 'met',
		seen: [d.res['张独居']],
	});
	assert.equal(v.status, 201, v.text);
	const a = await alertOf('张独居');
	assert.equal(a.status, 'closed');
	assert.equal(a.result, 'seen_in_person');
	assert.equal(a.closed_by, 'dk1');
	await srv.tick();
	assert.equal(await alertOf('张独居', 'not_seen', 'open'), undefined);
});

test('an elderly person living alone not at home twice running raises an alert at once; it escalates on the community’s time', async () => {
	// The community wants an answer within two hours.
	const p = await staff.put(`/api/v1/visit-policies/${A}`, {
		default_days: 30,
		daily_capacity: 20,
		ack_hours: 2,
		rules: [
			{ tag: 'aged_80', days: 7 },
			{ tag: 'living_alone', days: 7 },
			{ tag: 'minimum_income', days: 14 },
			{ tag: 'disabled', days: 14 },
		],
	});
	assert.equal(p.status, 200, p.text);
	assert.equal(p.json.source, A);
	const notHome = (name) => dk1.post('/api/v1/visits', { household_id: d.hh[name], outcome: 'not_home' });
	assert.equal((await notHome('张独居')).status, 201);
	assert.equal(await alertOf('张独居', 'not_home'), undefined, 'once is not yet an alert');
	assert.equal((await notHome('王普通')).status, 201);
	assert.equal((await notHome('王普通')).status, 201);
	assert.equal(await alertOf('王普通', 'not_home'), undefined, '王普通 does not live alone');
	assert.equal((await notHome('张独居')).status, 201);
	const a = await alertOf('张独居', 'not_home');
	assert.ok(a, 'raised by the second visit, without waiting for the scan');
	assert.equal(a.status, 'open');
	assert.equal(Date.parse(a.escalate_at) - Date.parse(a.raised_at), 2 * 3600 * 1000);
	assert.deepEqual(names(await list(gw1, '?kind=not_home')), ['张独居:not_home']);
	await at('2026-11-18T11:30:00');
	await srv.tick();
	assert.equal((await alertOf('张独居', 'not_home')).level, 'community');
	// Meeting them closes it.
	await dk1.post('/api/v1/visits', { household_id: d.hh['张独居'], outcome: 'met', seen: [d.res['张独居']] });
	assert.equal((await alertOf('张独居', 'not_home')).result, 'seen_in_person');
});
