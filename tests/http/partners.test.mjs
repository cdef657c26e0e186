// Partner units (共建单位), seconded cadres' check-ins (报到), work teams and the
// partner report of service hours (双报到): creation and validation, who may
// change what, what a liaison sees, and the report's CSV and XLSX.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';

import { PW, assertProblem, eventually, parseCsv, run, startServer, tempDir } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区, 工人村街道
const B = '420107005001'; // 青雅居社区, 工人村街道
const STREET = '420107005'; // 工人村街道
const OTHER_STREET = '420107001'; // 红卫路街道

let srv, dist, street, streetOther, staffA, staffB, liaisonW, liaisonY, cadre1, cadre2, cadre3, res, aud;
let wugang, yiye;

before(async () => {
	const dir = tempDir();
	const db = path.join(dir, 'doorstep.db');
	// One cadre with a Chinese display name, for the report.
	const made = await run(
		['user', 'add', '--db', db, '--username', 'cadre1', '--display-name', '王建国', '--role', 'cadre', '--area', A, '--password-stdin'],
		{ input: PW + '\n' },
	);
	assert.equal(made.code, 0, made.stderr);
	srv = await startServer({
		dir,
		db,
		users: [
			{ username: 'dist', role: 'district_admin' },
			{ username: 'street', role: 'street_admin', area: STREET },
			{ username: 'streetOther', role: 'street_admin', area: OTHER_STREET },
			{ username: 'staffA', role: 'community_staff', area: A },
			{ username: 'staffB', role: 'community_staff', area: B },
			{ username: 'liaisonW', role: 'partner_liaison', area: STREET },
			{ username: 'liaisonY', role: 'partner_liaison' },
			{ username: 'cadre2', role: 'cadre', area: B },
			{ username: 'cadre3', role: 'cadre' },
			{ username: 'res', role: 'resident', area: A },
			{ username: 'aud', role: 'auditor' },
		],
	});
	[dist, street, streetOther, staffA, staffB, liaisonW, liaisonY, cadre1, cadre2, cadre3, res, aud] = await Promise.all(
		['dist', 'street', 'streetOther', 'staffA', 'staffB', 'liaisonW', 'liaisonY', 'cadre1', 'cadre2', 'cadre3', 'res', 'aud'].map(
			(u) => srv.login(u),
		),
	);
});
after(() => srv?.stop());

const uid = (c) => c.user.id;

test('partner units: created by the district, validated, unique by name', async () => {
	const w = await dist.post('/api/v1/partners', {
		name: '武钢集团有限公司',
		kind: 'enterprise',
		contact: '党委组织部 027-86800000',
		areas: [A],
	});
	assert.equal(w.status, 201, w.text);
	wugang = w.json.id;
	assert.equal(w.json.kind, 'enterprise');
	assert.deepEqual(w.json.areas, [{ code: A, name: '青和居社区' }]);
	assert.deepEqual(w.json.members, []);
	const y = await dist.post('/api/v1/partners', { name: '中国一冶集团有限公司', kind: 'enterprise' });
	assert.equal(y.status, 201, y.text);
	yiye = y.json.id;
	assert.equal(y.json.contact, '');

	for (const [body, field] of [
		[{ kind: 'enterprise' }, 'name'],
		[{ name: '   ', kind: 'enterprise' }, 'name'],
		[{ name: '某单位', kind: 'factory' }, 'kind'],
		[{ name: '某单位', kind: 'government', colour: 'red' }, 'colour'],
		[{ name: '某单位', kind: 'government', areas: [STREET] }, 'areas[0]'],
		[{ name: '某单位', kind: 'government', areas: ['not-a-code'] }, 'areas[0]'],
		[{ name: 'x'.repeat(101), kind: 'government' }, 'name'],
	]) {
		const p = assertProblem(await dist.post('/api/v1/partners', body), 422, JSON.stringify(body));
		assert.ok(p.errors.some((e) => e.field === field), `${field} in ${JSON.stringify(p.errors)}`);
	}
	assertProblem(await dist.post('/api/v1/partners', { name: '武钢集团有限公司', kind: 'government' }), 409, 'same name');
	assertProblem(await street.post('/api/v1/partners', { name: '街道单位', kind: 'government' }), 403, 'street admin');
	assertProblem(await staffA.post('/api/v1/partners', { name: '社区单位', kind: 'government' }), 403, 'community staff');
	assertProblem(await liaisonW.post('/api/v1/partners', { name: '联络员单位', kind: 'government' }), 403, 'liaison');
	assertProblem(await res.get('/api/v1/partners'), 403, 'a resident');

	const edited = await dist.req('PATCH', `/api/v1/partners/${yiye}`, { body: { contact: '党委工作部' } });
	assert.equal(edited.status, 200, edited.text);
	assert.equal(edited.json.contact, '党委工作部');
	assert.equal(edited.json.name, '中国一冶集团有限公司', 'absent fields stay');
	assertProblem(await dist.req('PATCH', `/api/v1/partners/${yiye}`, { body: { name: '武钢集团有限公司' } }), 409);
	assertProblem(await staffA.req('PATCH', `/api/v1/partners/${yiye}`, { body: { contact: 'x' } }), 403);
	assertProblem(await dist.get('/api/v1/partners/99999'), 404);

	const all = await staffB.get('/api/v1/partners');
	assert.equal(all.status, 200, all.text);
	assert.deepEqual(all.json.items.map((p) => p.id), [wugang, yiye], 'staff see every unit');
	const paged = await staffB.get('/api/v1/partners?limit=1');
	assert.equal(paged.json.items.length, 1);
	assert.ok(paged.json.next_cursor);
	const rest = await staffB.get(`/api/v1/partners?limit=1&cursor=${paged.json.next_cursor}`);
	assert.deepEqual(rest.json.items.map((p) => p.id), [yiye]);
});

test('members: liaisons and cadres, one unit per person, kept by the district', async () => {
	const l = await dist.post(`/api/v1/partners/${wugang}/members`, { user_id: uid(liaisonW) });
	assert.equal(l.status, 201, l.text);
	assert.equal(l.json.role, 'liaison');
	for (const [p, c] of [
		[wugang, cadre1],
		[wugang, cadre2],
		[yiye, liaisonY],
		[yiye, cadre3],
	]) {
		const r = await dist.post(`/api/v1/partners/${p}/members`, { user_id: uid(c) });
		assert.equal(r.status, 201, r.text);
	}
	assertProblem(await dist.post(`/api/v1/partners/${yiye}/members`, { user_id: uid(cadre1) }), 409, 'in another unit');
	assertProblem(await dist.post(`/api/v1/partners/${wugang}/members`, { user_id: uid(cadre1) }), 409, 'already in');
	const p = assertProblem(await dist.post(`/api/v1/partners/${wugang}/members`, { user_id: uid(staffA) }), 422);
	assert.equal(p.errors[0].field, 'user_id');
	assertProblem(await dist.post(`/api/v1/partners/${wugang}/members`, { user_id: 99999 }), 422, 'no such user');
	assertProblem(await dist.post(`/api/v1/partners/${wugang}/members`, { user_id: 0 }), 422, 'not an id');
	assertProblem(await staffA.post(`/api/v1/partners/${wugang}/members`, { user_id: uid(cadre3) }), 403);

	const unit = await dist.get(`/api/v1/partners/${wugang}`);
	assert.deepEqual(
		unit.json.members.map((m) => [m.username, m.role]),
		[
			['cadre1', 'cadre'],
			['liaisonW', 'liaison'],
			['cadre2', 'cadre'],
		],
		'by user id',
	);
	assert.equal(unit.json.member_count, 3);
	assert.equal(unit.json.members.find((m) => m.username === 'cadre1').display_name, '王建国');

	// Removing and adding again.
	assert.equal((await dist.delete(`/api/v1/partners/${wugang}/members/${uid(cadre2)}`)).status, 204);
	assertProblem(await dist.delete(`/api/v1/partners/${wugang}/members/${uid(cadre2)}`), 404, 'gone');
	assert.equal((await dist.post(`/api/v1/partners/${wugang}/members`, { user_id: uid(cadre2) })).status, 201);
});

test('a liaison sees only their own unit, and keeps its resources', async () => {
	const list = await liaisonW.get('/api/v1/partners');
	assert.equal(list.status, 200, list.text);
	assert.deepEqual(list.json.items.map((p) => p.id), [wugang]);
	assert.equal((await liaisonW.get(`/api/v1/partners/${wugang}`)).status, 200);
	const hidden = await liaisonW.get(`/api/v1/partners/${yiye}`);
	const missing = await liaisonW.get('/api/v1/partners/99999');
	assertProblem(hidden, 404, 'another unit');
	assert.deepEqual(hidden.json, missing.json, 'hidden and missing alike');
	assertProblem(await liaisonW.get(`/api/v1/partners/${yiye}/resources`), 404);
	assertProblem(await liaisonW.post(`/api/v1/partners/${yiye}/resources`, { name: '场地' }), 404);
	assert.deepEqual((await liaisonY.get('/api/v1/partners')).json.items.map((p) => p.id), [yiye]);
	assert.deepEqual((await cadre1.get('/api/v1/partners')).json.items.map((p) => p.id), [wugang], 'a cadre too');

	const made = await liaisonW.post(`/api/v1/partners/${wugang}/resources`, {
		name: '职工活动中心',
		description: '可借用的会议室',
		quantity: '2 间',
	});
	assert.equal(made.status, 201, made.text);
	assert.equal(made.json.available, true);
	const rid = made.json.id;
	assertProblem(await liaisonW.post(`/api/v1/partners/${wugang}/resources`, { description: 'x' }), 422, 'no name');
	assertProblem(await cadre1.post(`/api/v1/partners/${wugang}/resources`, { name: '车辆' }), 403, 'a cadre');
	assertProblem(await staffA.post(`/api/v1/partners/${wugang}/resources`, { name: '车辆' }), 403, 'community staff');
	const byDistrict = await dist.post(`/api/v1/partners/${wugang}/resources`, { name: '水电维修队', available: false });
	assert.equal(byDistrict.status, 201, byDistrict.text);

	const off = await liaisonW.req('PATCH', `/api/v1/partners/${wugang}/resources/${rid}`, { body: { available: false } });
	assert.equal(off.status, 200, off.text);
	assert.equal(off.json.available, false);
	assert.equal(off.json.quantity, '2 间');
	assertProblem(await liaisonW.req('PATCH', `/api/v1/partners/${yiye}/resources/${rid}`, { body: { name: 'x' } }), 404);
	const listed = await staffB.get(`/api/v1/partners/${wugang}/resources`);
	assert.deepEqual(listed.json.items.map((x) => x.name), ['职工活动中心', '水电维修队']);
	assert.equal((await staffB.get(`/api/v1/partners/${wugang}/resources?available=true`)).json.items.length, 0);
	assert.equal((await liaisonW.delete(`/api/v1/partners/${wugang}/resources/${byDistrict.json.id}`)).status, 204);
	assertProblem(await liaisonW.delete(`/api/v1/partners/${wugang}/resources/${byDistrict.json.id}`), 404);
});

test('pairings: community staff pair units with their own community only', async () => {
	const paired = await staffA.post(`/api/v1/partners/${yiye}/areas`, { area_code: A });
	assert.equal(paired.status, 201, paired.text);
	assert.deepEqual(paired.json.areas.map((a) => a.code), [A]);
	assertProblem(await staffA.post(`/api/v1/partners/${yiye}/areas`, { area_code: A }), 409, 'twice');
	assertProblem(await staffA.post(`/api/v1/partners/${yiye}/areas`, { area_code: B }), 403, 'another community');
	assertProblem(await staffA.post(`/api/v1/partners/${yiye}/areas`, { area_code: STREET }), 422, 'a street');
	assertProblem(await staffA.post(`/api/v1/partners/${yiye}/areas`, { area_code: '420107005999' }), 422, 'unknown');
	const inA = await staffB.get(`/api/v1/partners?area=${STREET}`);
	assertProblem(inA, 403, 'area filter outside scope');
	const here = await street.get(`/api/v1/partners?area=${A}`);
	assert.deepEqual(here.json.items.map((p) => p.id), [wugang, yiye]);
	assert.deepEqual((await street.get(`/api/v1/partners?area=${B}`)).json.items, []);
	assertProblem(await staffB.delete(`/api/v1/partners/${yiye}/areas/${A}`), 403, 'another community');
	assert.equal((await staffA.delete(`/api/v1/partners/${yiye}/areas/${A}`)).status, 204);
	assertProblem(await staffA.delete(`/api/v1/partners/${yiye}/areas/${A}`), 404, 'no longer paired');
});

test('cadres check in themselves or through staff of the community', async () => {
	const me = await cadre1.post('/api/v1/cadres/me', {
		community: '青和居社区',
		skills: '电工， 水管、电工;  ',
		availability: '周六上午',
	});
	assert.equal(me.status, 201, me.text);
	assert.equal(me.json.community, A);
	assert.equal(me.json.community_name, '青和居社区');
	assert.equal(me.json.skills, '电工,水管');
	assert.equal(me.json.partner_id, wugang);
	const checkedIn = me.json.checked_in_at;
	// Updating skills alone keeps the check-in time and availability.
	const again = await cadre1.post('/api/v1/cadres/me', { community: A, skills: '电工,心理疏导' });
	assert.equal(again.json.checked_in_at, checkedIn);
	assert.equal(again.json.availability, '周六上午');
	assert.equal(again.json.skills, '电工,心理疏导');

	assertProblem(await staffA.post('/api/v1/cadres/me', { community: A }), 403, 'not a cadre');
	assertProblem(await liaisonW.post('/api/v1/cadres/me', { community: A }), 403, 'a liaison');
	const bad = assertProblem(await cadre1.post('/api/v1/cadres/me', { community: '不存在社区' }), 422);
	assert.equal(bad.errors[0].field, 'community');
	assertProblem(await cadre1.post('/api/v1/cadres/me', { community: STREET }), 422, 'a street');
	assertProblem(await cadre1.post('/api/v1/cadres/me', { community: A, skills: 'x'.repeat(33) }), 422, 'long skill');

	// Staff check in cadres at their own community only, and cannot take one from another.
	assertProblem(await staffA.post('/api/v1/cadres', { user_id: uid(cadre2), community: B }), 403, 'outside scope');
	const byB = await staffB.post('/api/v1/cadres', { user_id: uid(cadre2), community: '青雅居社区居委会', skills: '法律' });
	assert.equal(byB.status, 201, byB.text);
	assert.equal(byB.json.community, B);
	assertProblem(await staffA.post('/api/v1/cadres', { user_id: uid(cadre2), community: A }), 409, 'checked in elsewhere');
	assertProblem(await staffA.post('/api/v1/cadres', { user_id: uid(staffB), community: A }), 422, 'not a cadre');
	assertProblem(await staffA.post('/api/v1/cadres', { community: A }), 422, 'no user_id');
	assertProblem(await cadre1.post('/api/v1/cadres', { user_id: uid(cadre1), community: A }), 403, 'needs partners.manage');
	const three = await staffA.post('/api/v1/cadres', { user_id: uid(cadre3), community: A, skills: '水管' });
	assert.equal(three.status, 201, three.text);

	const names = async (c, q = '') => {
		const r = await c.get(`/api/v1/cadres${q}`);
		assert.equal(r.status, 200, r.text);
		return r.json.items.map((x) => x.username);
	};
	assert.deepEqual(await names(staffA), ['cadre1', 'cadre3'], 'their community');
	assert.deepEqual(await names(staffB), ['cadre2']);
	assert.deepEqual(await names(street), ['cadre1', 'cadre2', 'cadre3'], 'the street');
	assert.deepEqual(await names(streetOther), []);
	assert.deepEqual(await names(street, `?skill=${encodeURIComponent('电工')}`), ['cadre1']);
	assert.deepEqual(await names(street, `?skill=${encodeURIComponent('水管')}`), ['cadre3']);
	assert.deepEqual(await names(street, '?skill=%25'), [], 'LIKE wildcards are literal');
	assert.deepEqual(await names(street, `?partner=${yiye}`), ['cadre3']);
	assert.deepEqual(await names(street, `?area=${B}`), ['cadre2']);
	assert.deepEqual(await names(liaisonW), ['cadre1', 'cadre2'], 'a liaison: their unit, wherever checked in');
	assert.deepEqual(await names(cadre3), ['cadre3']);
	assertProblem(await res.get('/api/v1/cadres'), 403);
});

test('people to add: users holding a role over an area in scope, found by name', async () => {
	const people = async (c, q) => {
		const r = await c.get(`/api/v1/partners/people?${q}`);
		assert.equal(r.status, 200, r.text);
		return r.json.items.map((x) => x.username);
	};
	const all = await dist.get('/api/v1/partners/people?role=cadre');
	assert.equal(all.status, 200, all.text);
	assert.deepEqual(all.json.items.map((x) => x.username), ['cadre1', 'cadre2', 'cadre3']);
	const one = all.json.items[0];
	assert.deepEqual(one, { id: uid(cadre1), username: 'cadre1', display_name: '王建国', role: 'cadre', area_code: A });
	// Another community's cadre is not listed to community staff.
	assert.deepEqual(await people(staffA, 'role=cadre'), ['cadre1']);
	assert.deepEqual(await people(staffB, 'role=cadre'), ['cadre2']);
	assert.deepEqual(await people(street, 'role=cadre'), ['cadre1', 'cadre2']);
	assert.deepEqual(await people(streetOther, 'role=cadre'), []);
	assert.deepEqual(await people(dist, `role=cadre&q=${encodeURIComponent('建国')}`), ['cadre1'], 'display name');
	assert.deepEqual(await people(dist, 'role=cadre&q=DRE2'), ['cadre2'], 'username, any case');
	assert.deepEqual(await people(dist, 'role=cadre&q=%25'), [], 'LIKE wildcards are literal');
	assert.deepEqual(await people(dist, 'role=partner_liaison'), ['liaisonW', 'liaisonY']);
	assert.deepEqual(await people(street, 'role=community_staff'), ['staffA', 'staffB']);
	assertProblem(await dist.get('/api/v1/partners/people'), 422, 'no role');
	assertProblem(await dist.get('/api/v1/partners/people?role=resident'), 422, 'not a role to add');
	assertProblem(await cadre1.get('/api/v1/partners/people?role=cadre'), 403, 'needs partners.manage');
	assertProblem(await res.get('/api/v1/partners/people?role=cadre'), 403);
});

test('teams: formed and kept by the staff of their area; seen by members and their unit', async () => {
	const t = await staffA.post('/api/v1/teams', { name: '青和居社区好样的工作队', area_code: A, partner_id: wugang });
	assert.equal(t.status, 201, t.text);
	assert.equal(t.json.partner_name, '武钢集团有限公司');
	assert.deepEqual(t.json.members, []);
	const team = t.json.id;
	assertProblem(await staffB.post('/api/v1/teams', { name: '外区工作队', area_code: A }), 403, 'another community');
	assertProblem(await staffA.post('/api/v1/teams', { name: '工作队', area_code: A, partner_id: 99999 }), 422);
	assertProblem(await staffA.post('/api/v1/teams', { area_code: A }), 422, 'no name');
	assertProblem(await staffA.post('/api/v1/teams', { name: '工作队', area_code: '420107005999' }), 422);
	assertProblem(await cadre1.post('/api/v1/teams', { name: '自建队', area_code: A }), 403, 'a cadre');

	const added = await staffA.post(`/api/v1/teams/${team}/members`, { user_id: uid(cadre1) });
	assert.equal(added.status, 201, added.text);
	assert.deepEqual(added.json.members.map((m) => m.username), ['cadre1']);
	assert.equal(added.json.members[0].partner_id, wugang);
	assertProblem(await staffA.post(`/api/v1/teams/${team}/members`, { user_id: uid(cadre1) }), 409, 'twice');
	assertProblem(await staffA.post(`/api/v1/teams/${team}/members`, { user_id: 99999 }), 422);
	// Another community's staff neither see nor keep it.
	assertProblem(await staffB.get(`/api/v1/teams/${team}`), 404);
	assertProblem(await staffB.post(`/api/v1/teams/${team}/members`, { user_id: uid(cadre2) }), 404);
	assertProblem(await staffB.delete(`/api/v1/teams/${team}/members/${uid(cadre1)}`), 404);
	assert.deepEqual((await staffB.get('/api/v1/teams')).json.items, []);
	// The street keeps it too.
	assert.equal((await street.post(`/api/v1/teams/${team}/members`, { user_id: uid(cadre2) })).status, 201);

	// Members and the team's unit see it; others do not.
	assert.equal((await cadre1.get(`/api/v1/teams/${team}`)).status, 200);
	assert.equal((await liaisonW.get(`/api/v1/teams/${team}`)).status, 200, 'the unit of the team');
	assertProblem(await liaisonY.get(`/api/v1/teams/${team}`), 404);
	assertProblem(await cadre3.get(`/api/v1/teams/${team}`), 404);
	assertProblem(await cadre1.post(`/api/v1/teams/${team}/members`, { user_id: uid(cadre3) }), 403, 'a member');
	assert.equal((await staffA.post(`/api/v1/teams/${team}/members`, { user_id: uid(cadre3) })).status, 201);
	const seen = await cadre3.get('/api/v1/teams');
	assert.deepEqual(seen.json.items.map((x) => x.id), [team]);
	assert.equal(seen.json.items[0].member_count, 3);

	assert.equal((await staffA.delete(`/api/v1/teams/${team}/members/${uid(cadre3)}`)).status, 204);
	assertProblem(await cadre3.get(`/api/v1/teams/${team}`), 404, 'no longer a member');
	assertProblem(await staffA.delete(`/api/v1/teams/${team}/members/${uid(cadre3)}`), 404);
	assert.deepEqual((await staffA.get(`/api/v1/teams?partner=${wugang}`)).json.items.map((x) => x.id), [team]);
	assert.deepEqual((await staffA.get(`/api/v1/teams?partner=${yiye}`)).json.items, []);
});

/** Seconds since the epoch of a time given in China Standard Time. */
const cst = (s) => Date.parse(s + '+08:00') / 1000;

/** Run a report as c and return the downloaded file's response. */
async function report(c, id, body) {
	const start = await c.post(`/api/v1/partners/${id}/reports`, body);
	assert.equal(start.status, 202, start.text);
	const job = await eventually(
		async () => {
			const r = await c.get(`/api/v1/jobs/${start.json.id}`);
			assert.notEqual(r.json.state, 'failed', r.text);
			return r.json.state === 'done' ? r.json : null;
		},
		{ message: 'the report to finish', interval: 100 },
	);
	const file = await c.get(job.download);
	assert.equal(file.status, 200);
	return { file, job };
}

const csvRows = (file) => {
	assert.deepEqual([...file.buffer.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM for Excel');
	return parseCsv(file.buffer.subarray(3).toString('utf8'));
};

test('the partner report: hours and closed orders in the period, per cadre of the unit', async () => {
	// Closed orders credited as the work orders would (service_hours_credit), in
	// and around January 2026 in China Standard Time.
	const rows = [
		[uid(cadre1), wugang, 101, 90, cst('2026-01-01T00:30:00')], // first half hour of the period
		[uid(cadre1), wugang, 102, 30, cst('2026-01-31T23:50:00')], // its last minutes
		[uid(cadre2), wugang, 103, 45, cst('2026-01-15T10:00:00')],
		[uid(cadre1), wugang, 104, 60, cst('2025-12-31T23:59:00')], // the day before
		[uid(cadre1), wugang, 105, 60, cst('2026-02-01T00:00:00')], // the day after
		[uid(cadre3), yiye, 106, 120, cst('2026-01-10T09:00:00')], // another unit
	];
	const sql = rows
		.map((r) => `INSERT INTO service_hours (user_id, partner_id, order_id, minutes, credited_at) VALUES (${r.join(', ')});`)
		.join('\n');
	execFileSync('sqlite3', ['-cmd', '.timeout 5000', srv.db], { input: sql });

	const period = { from: '2026-01-01', to: '2026-01-31' };
	const { file, job } = await report(liaisonW, wugang, period);
	assert.match(file.headers['content-type'], /^text\/csv/);
	assert.match(file.headers['content-disposition'] ?? '', /partner-\d+-2026-01-01-2026-01-31\.csv/);
	const csv = csvRows(file);
	assert.deepEqual(csv[0], [
		'姓名 name',
		'账号 username',
		'报到社区 community',
		'技能 skills',
		'服务时长(分钟) minutes',
		'服务时长(小时) hours',
		'结案工单 closed_orders',
	]);
	assert.deepEqual(csv.slice(1), [
		['王建国', 'cadre1', '青和居社区', '电工,心理疏导', '120', '2.00', '2'],
		['cadre2', 'cadre2', '青雅居社区', '法律', '45', '0.75', '1'],
		['合计 total', '', '', '', '165', '2.75', '3'],
	]);
	assert.deepEqual(job.summary, { cadres: 2, minutes: 165, closed_orders: 3 });

	// The street sees its cadres; another street none; the district all.
	const byStreet = csvRows((await report(street, wugang, period)).file);
	assert.deepEqual(byStreet.slice(1).map((r) => r[1]), ['cadre1', 'cadre2', '']);
	const elsewhere = csvRows((await report(streetOther, wugang, period)).file);
	assert.deepEqual(elsewhere.slice(1), [['合计 total', '', '', '', '0', '0.00', '0']]);
	const yiyeReport = csvRows((await report(dist, yiye, period)).file);
	assert.deepEqual(yiyeReport.slice(1, -1), [['cadre3', 'cadre3', '青和居社区', '水管', '120', '2.00', '1']]);
	// One day: only what was credited that day.
	const oneDay = csvRows((await report(dist, wugang, { from: '2026-02-01', to: '2026-02-01' })).file);
	assert.deepEqual(oneDay.slice(1).map((r) => [r[1], r[4], r[6]]), [
		['cadre1', '60', '1'],
		['cadre2', '0', '0'],
		['', '60', '1'],
	]);

	// Who may ask for it.
	assertProblem(await staffA.post(`/api/v1/partners/${wugang}/reports`, period), 403, 'community staff');
	assertProblem(await cadre1.post(`/api/v1/partners/${wugang}/reports`, period), 403, 'a cadre');
	assertProblem(await liaisonY.post(`/api/v1/partners/${wugang}/reports`, period), 404, 'another unit');
	assertProblem(await res.post(`/api/v1/partners/${wugang}/reports`, period), 403, 'a resident');
	// A report is the caller's own job.
	const theirs = await liaisonW.post(`/api/v1/partners/${wugang}/reports`, period);
	assertProblem(await street.get(`/api/v1/jobs/${theirs.json.id}`), 404);

	for (const [body, field] of [
		[{ from: '2026-02-01', to: '2026-01-01' }, 'to'],
		[{ from: '2026/01/01', to: '2026-01-31' }, 'from'],
		[{ from: '2026-01-01' }, 'to'],
		[{ ...period, format: 'pdf' }, 'format'],
	]) {
		const p = assertProblem(await liaisonW.post(`/api/v1/partners/${wugang}/reports`, body), 422, JSON.stringify(body));
		assert.ok(p.errors.some((e) => e.field === field), JSON.stringify(p.errors));
	}
});

/** The entries of a zip file by name, inflated (read through the central directory). */
function unzip(buf) {
	const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	assert.ok(eocd >= 0, 'a zip file has an end of central directory');
	const count = buf.readUInt16LE(eocd + 10);
	let p = buf.readUInt32LE(eocd + 16);
	const files = {};
	for (let i = 0; i < count; i++) {
		assert.equal(buf.readUInt32LE(p), 0x02014b50, 'a central directory entry');
		const method = buf.readUInt16LE(p + 10);
		const size = buf.readUInt32LE(p + 20);
		const [nameLen, extraLen, commentLen] = [28, 30, 32].map((o) => buf.readUInt16LE(p + o));
		const local = buf.readUInt32LE(p + 42);
		const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
		assert.equal(buf.readUInt32LE(local), 0x04034b50, `local header of ${name}`);
		const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
		const data = buf.subarray(start, start + size);
		files[name] = (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
		p += 46 + nameLen + extraLen + commentLen;
	}
	return files;
}

test('the partner report as XLSX: a valid workbook with the same people and numbers', async () => {
	const { file } = await report(dist, wugang, { from: '2026-01-01', to: '2026-01-31', format: 'xlsx' });
	assert.equal(file.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
	assert.match(file.headers['content-disposition'] ?? '', /\.xlsx/);
	assert.deepEqual([...file.buffer.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip file');
	const files = unzip(file.buffer);
	for (const part of ['[Content_Types].xml', 'xl/workbook.xml', 'xl/styles.xml', 'xl/worksheets/sheet1.xml'])
		assert.ok(part in files, `the workbook has ${part}`);
	const sheet = files['xl/worksheets/sheet1.xml'];
	// Text is in the shared strings or, as the writer streams rows, inline in the sheet.
	const texts = (files['xl/sharedStrings.xml'] ?? '') + sheet;
	for (const s of ['王建国', 'cadre2', '青雅居社区', '合计 total', '服务时长(小时) hours']) assert.ok(texts.includes(s), s);
	assert.equal((sheet.match(/<row /g) ?? []).length, 4, 'the header, two cadres and the total');
	// Numbers are numbers (no t="s"): minutes, hours and orders of 王建国 and of the total.
	const number = (ref) => new RegExp(`<c r="${ref}"(?![^>]*t=)[^>]*><v>([^<]*)</v></c>`).exec(sheet)?.[1];
	assert.deepEqual(['E2', 'F2', 'G2', 'E3', 'F3', 'G3', 'E4', 'F4', 'G4'].map(number), ['120', '2', '2', '45', '0.75', '1', '165', '2.75', '3']);
	assert.match(sheet, /<pane [^>]*ySplit="1"[^>]*state="frozen"/);
});

test('every change is audited', async () => {
	for (const a of [
		'partner.create',
		'partner.update',
		'partner.member.add',
		'partner.member.remove',
		'partner.resource.create',
		'partner.resource.update',
		'partner.resource.delete',
		'partner.pair',
		'partner.unpair',
		'cadre.checkin',
		'team.create',
		'team.member.add',
		'team.member.remove',
		'partner.report',
	]) {
		const log = await aud.get(`/api/v1/audit?action=${a}`);
		assert.equal(log.status, 200, log.text);
		assert.ok(log.json.items.length > 0, `${a} is audited`);
	}
	const log = await aud.get('/api/v1/audit?action=cadre.checkin&limit=50');
	const checkin = log.json.items.find((e) => e.action === 'cadre.checkin' && e.username === 'staffB');
	assert.equal(checkin.object, `user:${uid(cadre2)}`);
	assert.equal(checkin.reason, B);
});
