// Residents' own accounts: community staff open one for a registered resident,
// linked to their record; the resident changes the first password, raises a
// demand and sees only their own. Staff of another community cannot.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PW2, assertProblem, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const B = '420107005001';
let srv, staff, staffB, knock, aud;

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff', role: 'community_staff', area: A },
			{ username: 'staffB', role: 'community_staff', area: B },
			{ username: 'knock', role: 'doorknocker', area: A },
			{ username: 'aud', role: 'auditor' },
		],
	});
	[staff, staffB, knock, aud] = await Promise.all(['staff', 'staffB', 'knock', 'aud'].map((u) => srv.login(u)));
});
after(() => srv?.stop());

test('staff open an account for a resident, who then raises and follows their own demand', async () => {
	const h = await staff.post('/api/v1/households', { area_code: A, unit: '1', room: '101' });
	const res = await staff.post('/api/v1/residents', { name: '王桂兰', household_id: h.json.id });
	assert.equal(res.status, 201, res.text);
	const id = res.json.id;
	const first = 'Guilan-2026-first';
	assertProblem(await staffB.post(`/api/v1/residents/${id}/account`, { username: 'wangguilan', password: first }), 404);
	assertProblem(await knock.post(`/api/v1/residents/${id}/account`, { username: 'wangguilan', password: first }), 403);
	assertProblem(await staff.post(`/api/v1/residents/${id}/account`, { username: 'wangguilan', password: '123456' }), 422);
	assertProblem(await staff.get(`/api/v1/residents/${id}/account`), 404, 'no account yet');
	const made = await staff.post(`/api/v1/residents/${id}/account`, { username: 'wangguilan', password: first });
	assert.equal(made.status, 201, made.text);
	assert.deepEqual(made.json, {
		user_id: made.json.user_id,
		resident_id: id,
		username: 'wangguilan',
		active: true,
		must_change_password: true,
	});
	assertProblem(await staff.post(`/api/v1/residents/${id}/account`, { username: 'wang2', password: first }), 409);
	assert.equal((await staff.get(`/api/v1/residents/${id}/account`)).json.username, 'wangguilan');

	// The resident logs in, must change the first password, then raises a demand.
	const me = srv.client();
	const login = await me.login('wangguilan', first);
	assert.equal(login.status, 200, login.text);
	assert.equal(login.json.must_change_password, true);
	assert.deepEqual(login.json.user.roles.map((r) => [r.role, r.area_code]), [['resident', A]], 'over the community');
	assertProblem(await me.post('/api/v1/work-orders', { category: 'noise', description: '楼上装修太吵' }), 403);
	assert.equal((await me.post('/api/v1/me/password', { current_password: first, new_password: PW2 })).status, 204);
	const o = await me.post('/api/v1/work-orders', { category: 'noise', description: '楼上装修太吵' });
	assert.equal(o.status, 201, o.text);
	assert.equal(o.json.area_code, A, 'placed in their community');
	assert.equal(o.json.channel, 'self_service');
	const seen = await staff.get(`/api/v1/work-orders/${o.json.id}`);
	assert.equal(seen.json.resident_id, id, 'linked to their registry record');
	const mine = await me.get('/api/v1/work-orders');
	assert.deepEqual(mine.json.items.map((x) => x.id), [o.json.id], 'only their own');
	assertProblem(await me.get('/api/v1/residents'), 403, 'no registry access');
	const log = await aud.get('/api/v1/audit?action=resident.account');
	assert.equal(log.json.items.length, 1);
	assert.equal(log.json.items[0].object, `resident:${id}`);
});
