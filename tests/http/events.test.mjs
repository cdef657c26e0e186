// Life events: proposed, then confirmed (applied to the resident) or rejected by
// staff who may confirm; never deletions; the resident's history shows them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertProblem, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const B = '420107005001'; // 青雅居社区
let srv, staff, grid, other, aud;
const ids = {};

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff', role: 'community_staff', area: A },
			{ username: 'grid', role: 'grid_worker', area: A },
			{ username: 'other', role: 'community_staff', area: B },
			{ username: 'aud', role: 'auditor' },
		],
	});
	[staff, grid, other, aud] = await Promise.all(['staff', 'grid', 'other', 'aud'].map((u) => srv.login(u)));
	for (const name of ['迁出人', '逝者', '留下人']) {
		const r = await staff.post('/api/v1/residents', { name, area_code: A });
		assert.equal(r.status, 201, r.text);
		ids[name] = r.json.id;
	}
});
after(() => srv?.stop());

const names = async () => (await staff.get('/api/v1/residents?limit=200')).json.items.map((x) => x.name).sort();

test('a proposed move-out changes nothing until staff confirm it; then the resident leaves the list', async () => {
	const id = ids['迁出人'];
	const p = await grid.post(`/api/v1/residents/${id}/events`, { kind: 'move_out', date: '2026-01-15', reason: '敲门发现已搬走' });
	assert.equal(p.status, 201, p.text);
	assert.equal(p.json.status, 'proposed');
	assert.equal(p.json.proposed_by, 'grid');
	assert.ok((await names()).includes('迁出人'), 'still listed while only proposed');
	// A grid worker may propose but not confirm.
	assertProblem(await grid.post(`/api/v1/life-events/${p.json.id}/confirm`, {}), 403, 'grid worker confirms');
	// Another community's staff cannot see it at all.
	assertProblem(await other.post(`/api/v1/life-events/${p.json.id}/confirm`, {}), 404, 'other community confirms');
	const c = await staff.post(`/api/v1/life-events/${p.json.id}/confirm`, { reason: '已电话核实' });
	assert.equal(c.status, 200, c.text);
	assert.equal(c.json.status, 'confirmed');
	assert.equal(c.json.decided_by, 'staff');
	assert.ok(!(await names()).includes('迁出人'), 'no longer listed as living here');
	const res = await staff.get(`/api/v1/residents/${id}`);
	assert.equal(res.json.status, 'moved_out', 'the record stays, with its status');
	assertProblem(await staff.post(`/api/v1/life-events/${p.json.id}/confirm`, {}), 409, 'confirmed twice');
	const history = await staff.get(`/api/v1/residents/${id}/events`);
	assert.equal(history.status, 200, history.text);
	assert.deepEqual(history.json.items.map((e) => [e.kind, e.status]), [['move_out', 'confirmed']]);
	const log = await aud.get('/api/v1/audit?action=life_event.confirm');
	assert.equal(log.json.items.length, 1);
});

test('a rejected event leaves the resident as they were', async () => {
	const id = ids['逝者'];
	const p = await staff.post(`/api/v1/residents/${id}/events`, { kind: 'death', date: '2026-02-01', reason: '家属告知' });
	assert.equal(p.status, 201, p.text);
	const r = await staff.post(`/api/v1/life-events/${p.json.id}/reject`, { reason: '误报' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.status, 'rejected');
	assert.equal((await staff.get(`/api/v1/residents/${id}`)).json.status, 'active');
	assert.ok((await names()).includes('逝者'));
});

test('bad events are refused and store nothing; other communities cannot reach the resident', async () => {
	const id = ids['留下人'];
	const path = `/api/v1/residents/${id}/events`;
	assertProblem(await staff.post(path, { kind: 'death', date: '2099-01-01', reason: '未来' }), 422, 'a future date');
	assertProblem(await staff.post(path, { kind: 'vanished', date: '2026-01-01', reason: '未知' }), 422, 'an unknown kind');
	assertProblem(await staff.post(path, { kind: 'death', date: '2026-01-01' }), 422, 'no reason');
	assertProblem(await other.post(path, { kind: 'death', date: '2026-01-01', reason: '越权' }), 404, 'another community');
	assertProblem(await other.get(path), 404, 'another community reads the history');
	assert.deepEqual((await staff.get(path)).json.items, []);
});

test('the queue: proposed events across the caller\'s areas, with the resident\'s name, newest first', async () => {
	const r = await other.post('/api/v1/residents', { name: '青雅居人', area_code: B });
	assert.equal(r.status, 201, r.text);
	const pa = await grid.post(`/api/v1/residents/${ids['留下人']}/events`, { kind: 'death', date: '2026-02-01', reason: '邻居告知' });
	const pb = await other.post(`/api/v1/residents/${r.json.id}/events`, { kind: 'move_out', date: '2026-02-02', reason: '搬家' });
	assert.equal(pa.status, 201, pa.text);
	assert.equal(pb.status, 201, pb.text);
	const queue = await staff.get('/api/v1/life-events?status=proposed');
	assert.equal(queue.status, 200, queue.text);
	const mine = queue.json.items.map((e) => e.id);
	assert.ok(mine.includes(pa.json.id), 'the event in my community is queued');
	assert.ok(!mine.includes(pb.json.id), 'another community\'s event is not');
	for (const e of queue.json.items) assert.equal(e.status, 'proposed');
	assert.equal(queue.json.items.find((e) => e.id === pa.json.id).resident_name, '留下人');
	assert.deepEqual(mine, [...mine].sort((x, y) => y - x), 'newest first');
	// Once decided it leaves the queue but stays in the full list.
	assert.equal((await staff.post(`/api/v1/life-events/${pa.json.id}/reject`, { reason: '核实仍健在' })).status, 200);
	assert.ok(!(await staff.get('/api/v1/life-events?status=proposed')).json.items.some((e) => e.id === pa.json.id));
	assert.ok((await staff.get('/api/v1/life-events')).json.items.some((e) => e.id === pa.json.id));
	assertProblem(await staff.get(`/api/v1/life-events?area=${B}`), 403, 'an area outside the scope');
	assertProblem(await staff.get('/api/v1/life-events?status=pending'), 422, 'an unknown status');
});
