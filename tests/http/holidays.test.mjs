// The holiday calendar behind working-hour time limits: shipped with the 2026
// arrangement, read by any staff, changed only by a district administrator,
// every change audited; pointless or malformed days are refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertProblem, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
let srv, admin, staff, aud;

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'admin', role: 'district_admin' },
			{ username: 'staff', role: 'community_staff', area: A },
			{ username: 'aud', role: 'auditor' },
		],
	});
	[admin, staff, aud] = await Promise.all(['admin', 'staff', 'aud'].map((u) => srv.login(u)));
});
after(() => srv?.stop());

const year = async (c, y) => {
	const r = await c.get(`/api/v1/holidays?year=${y}`);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.year, y);
	return r.json.items;
};
const byDate = (items) => Object.fromEntries(items.map((d) => [d.date, d]));

test('2026 is shipped: weekdays off and weekend days worked, by date', async () => {
	const items = await year(staff, 2026);
	const days = byDate(items);
	assert.deepEqual(
		items.map((d) => d.date),
		Object.keys(days).sort(),
		'sorted by date',
	);
	const off = items.filter((d) => !d.working).map((d) => d.date);
	const worked = items.filter((d) => d.working).map((d) => d.date);
	assert.deepEqual(worked, ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
	assert.equal(off.length, 19);
	for (const d of ['2026-01-01', '2026-02-16', '2026-02-23', '2026-04-06', '2026-05-05', '2026-06-19', '2026-09-25'])
		assert.ok(off.includes(d), `${d} is off`);
	assert.deepEqual(
		off.filter((d) => d.startsWith('2026-10')),
		['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
		'National Day on weekdays; the weekend inside it is off anyway',
	);
	assert.equal(days['2026-10-01'].name, '国庆节');
	assert.deepEqual(await year(staff, 2027), []);
	assertProblem(await aud.get('/api/v1/holidays?year=2026'), 403, 'an auditor is not staff');
	assertProblem(await staff.get('/api/v1/holidays?year=26x'), 422, 'a year that is not a number');
	assertProblem(await staff.get('/api/v1/holidays?year=1850'), 422, 'a year out of range');
});

test('a district administrator adds, changes and deletes days; each change is audited', async () => {
	const add = await admin.put('/api/v1/holidays/2027-01-01', { working: false, name: '元旦' });
	assert.equal(add.status, 200, add.text);
	assert.deepEqual(add.json, { date: '2027-01-01', working: false, name: '元旦' });
	assert.deepEqual(await year(staff, 2027), [{ date: '2027-01-01', working: false, name: '元旦' }]);

	const change = await admin.put('/api/v1/holidays/2026-10-10', { working: true, name: '国庆节补班' });
	assert.equal(change.status, 200, change.text);
	assert.equal(byDate(await year(staff, 2026))['2026-10-10'].name, '国庆节补班');

	const del = await admin.delete('/api/v1/holidays/2026-10-10');
	assert.equal(del.status, 204, del.text);
	assert.equal(byDate(await year(staff, 2026))['2026-10-10'], undefined, 'Saturday 10 October is a weekend day again');
	assertProblem(await admin.delete('/api/v1/holidays/2026-10-10'), 404, 'deleted twice');

	const set = await aud.get('/api/v1/audit?action=holiday.set');
	assert.deepEqual(
		set.json.items.map((e) => [e.username, e.object, e.reason]),
		[
			['admin', 'holiday:2026-10-10', 'working 国庆节补班'],
			['admin', 'holiday:2027-01-01', 'off 元旦'],
		],
	);
	const gone = await aud.get('/api/v1/audit?action=holiday.delete');
	assert.deepEqual(
		gone.json.items.map((e) => [e.username, e.object]),
		[['admin', 'holiday:2026-10-10']],
	);
});

test('community staff may read the calendar but not change it', async () => {
	assertProblem(await staff.put('/api/v1/holidays/2027-01-01', { working: false, name: '元旦' }), 403, 'staff PUT');
	assertProblem(await staff.delete('/api/v1/holidays/2026-10-01'), 403, 'staff DELETE');
	assert.equal(byDate(await year(staff, 2026))['2026-10-01'].working, false, 'unchanged');
});

test('pointless and malformed days are refused and change nothing', async () => {
	const before = await year(staff, 2026);
	const put = (date, body) => admin.put(`/api/v1/holidays/${date}`, body);
	// Monday 12 October is worked anyway; Sunday 11 October is off anyway.
	assertProblem(await put('2026-10-12', { working: true, name: '上班' }), 422, 'a weekday marked worked');
	assertProblem(await put('2026-10-11', { working: false, name: '休息' }), 422, 'a weekend day marked off');
	// Changing a shipped holiday into a pointless entry is refused too.
	assertProblem(await put('2026-10-01', { working: true, name: '国庆节' }), 422, 'a holiday turned into a weekday');
	for (const date of ['2026-02-30', '2026-13-01', '2026-1-05', '20261005', '2026-10-1x', '1999-12-31', 'x'])
		assertProblem(await put(date, { working: false, name: '节日' }), 422, `date ${date}`);
	assertProblem(await admin.delete('/api/v1/holidays/2026-02-30'), 422, 'delete an impossible date');
	assertProblem(await put('2026-10-13', { working: false }), 422, 'no name');
	assertProblem(await put('2026-10-13', { working: false, name: '' }), 422, 'an empty name');
	assertProblem(await put('2026-10-13', { working: 'no', name: '节日' }), 422, 'working not a boolean');
	assertProblem(await put('2026-10-13', { name: '节日' }), 422, 'no working');
	assertProblem(await put('2026-10-13', { working: false, name: '节日', extra: 1 }), 422, 'an unknown field');
	assert.deepEqual(await year(staff, 2026), before);
});

test('without a year the list is of the current year in Beijing time', async () => {
	await srv.setClock('2026-12-31T16:30:00Z'); // 00:30 on New Year's Day in Wuhan
	const c = await srv.login('staff'); // a fresh session at the new time
	const r = await c.get('/api/v1/holidays');
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.year, 2027);
	assert.deepEqual(r.json.items, [{ date: '2027-01-01', working: false, name: '元旦' }]);
});
