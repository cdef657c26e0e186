// Row-level scope over the area tree and permission denials.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertProblem, startServer } from './lib/server.mjs';

const COMMUNITY = '420107005008'; // 青和居社区
const STREET = '420107005'; // its street
const ELSEWHERE = '420107001001'; // a community in another street

let srv;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff', role: 'community_staff', area: COMMUNITY },
			{ username: 'streetadm', role: 'street_admin', area: '420107001' },
			{ username: 'aud', role: 'auditor' },
			{ username: 'sys', role: 'sysadmin' },
			{ username: 'res', role: 'resident', area: COMMUNITY },
		],
	});
});
after(() => srv?.stop());

test('an area inside the scope is readable; outside it answers 404 exactly like one that does not exist', async () => {
	const c = await srv.login('staff');
	const own = await c.get(`/api/v1/areas/${COMMUNITY}`);
	assert.equal(own.status, 200, own.text);
	assert.equal(own.json.code, COMMUNITY);
	assert.equal(own.json.kind, 'community');
	assert.equal(own.json.parent, STREET);
	const outside = await c.get(`/api/v1/areas/${ELSEWHERE}`);
	const parent = await c.get(`/api/v1/areas/${STREET}`);
	const nonexistent = await c.get('/api/v1/areas/420107005999');
	const garbage = await c.get('/api/v1/areas/not-a-code');
	for (const [r, what] of [
		[outside, 'another street'],
		[parent, 'the parent street'],
		[nonexistent, 'nonexistent'],
		[garbage, 'not a code'],
	])
		assertProblem(r, 404, what);
	assert.deepEqual(outside.json, nonexistent.json, 'the same answer for hidden and missing');
	assert.deepEqual(parent.json, nonexistent.json);
	assert.equal(outside.text.length, nonexistent.text.length);
});

test('the area list shows the scope roots and children in scope', async () => {
	const c = await srv.login('streetadm');
	const roots = await c.get('/api/v1/areas');
	assert.equal(roots.status, 200);
	assert.deepEqual(roots.json.items.map((a) => a.code), ['420107001']);
	assert.equal(roots.json.next_cursor, null);
	const kids = await c.get('/api/v1/areas?parent=420107001');
	assert.equal(kids.status, 200);
	assert.ok(kids.json.items.length >= 5);
	for (const a of kids.json.items) assert.ok(a.code.startsWith('420107001') && a.parent === '420107001');
	// Paging through the children with a small limit gives the same list.
	const seen = [];
	let cursor = null;
	for (let i = 0; i < 50; i++) {
		const r = await c.get(`/api/v1/areas?parent=420107001&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
		assert.equal(r.status, 200, r.text);
		assert.ok(r.json.items.length <= 4);
		seen.push(...r.json.items.map((a) => a.code));
		cursor = r.json.next_cursor;
		if (cursor === null) break;
	}
	assert.deepEqual(seen, kids.json.items.map((a) => a.code));
});

test('?area= outside the scope is 403; an unknown area is 422', async () => {
	const c = await srv.login('staff');
	assertProblem(await c.get(`/api/v1/areas?area=${ELSEWHERE}`), 403, 'a community elsewhere');
	assertProblem(await c.get('/api/v1/areas?area=420107'), 403, 'the whole district');
	assertProblem(await c.get(`/api/v1/areas?parent=${STREET}`), 403, 'parent= outside');
	const unknown = assertProblem(await c.get('/api/v1/areas?area=420107099'), 422, 'unknown area');
	assert.ok(unknown.errors.some((e) => e.field === 'area'), JSON.stringify(unknown.errors));
	const bad = assertProblem(await c.get('/api/v1/areas?area=abc'), 422, 'not a code');
	assert.ok(bad.errors.some((e) => e.field === 'area'));
	const inside = await c.get(`/api/v1/areas?area=${COMMUNITY}`);
	assert.equal(inside.status, 200, inside.text);
});

test('permission denials answer 403', async () => {
	const aud = await srv.login('aud');
	assertProblem(await aud.get('/api/v1/users'), 403, 'an auditor lists users');
	assertProblem(await aud.get('/api/v1/areas'), 403, 'an auditor reads areas');
	assertProblem(await aud.get('/api/v1/api-tokens'), 403, 'an auditor lists API tokens');
	assert.equal((await aud.get('/api/v1/audit')).status, 200, 'but reads the audit log');
	const staff = await srv.login('staff');
	assertProblem(await staff.get('/api/v1/audit'), 403, 'community staff read the audit log');
	assertProblem(await staff.get('/api/v1/users'), 403, 'community staff list users');
	assertProblem(await staff.post('/api/v1/audit/exports', {}), 403, 'community staff export the audit log');
	assertProblem(await staff.post('/api/v1/api-tokens', { name: 'x', scopes: ['areas.read'] }), 403, 'tokens');
	const sys = await srv.login('sys');
	assertProblem(await sys.get('/api/v1/users'), 403, 'a system admin manages users');
	assertProblem(await sys.get('/api/v1/audit'), 403, 'a system admin reads the audit log');
	const res = await srv.login('res');
	assertProblem(await res.get('/api/v1/areas'), 403, 'a resident reads areas');
	assert.equal((await res.get('/api/v1/me')).status, 200);
	// Every role can read the role table.
	const roles = await res.get('/api/v1/roles');
	assert.equal(roles.status, 200);
	const ids = roles.json.items.map((r) => r.id);
	for (const id of ['sysadmin', 'secadmin', 'auditor', 'community_staff', 'grid_worker', 'resident'])
		assert.ok(ids.includes(id), id);
});

test('the three administrators hold separate rights', async () => {
	const perms = {};
	for (const u of ['sys', 'aud']) perms[u] = (await (await srv.login(u)).get('/api/v1/me')).json.user.permissions;
	assert.ok(perms.sys.includes('apikeys.manage'));
	assert.ok(!perms.sys.includes('users.manage') && !perms.sys.includes('audit.read'));
	assert.ok(perms.aud.includes('audit.read'));
	assert.ok(!perms.aud.includes('users.manage') && !perms.aud.includes('apikeys.manage'));
});
