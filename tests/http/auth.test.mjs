// Logging in and out, cookies, CSRF, lockout, passwords and what the security
// administrator may do to accounts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PW, PW2, assertProblem, startServer } from './lib/server.mjs';

const STREET = '420107001'; // 红卫路街道
const OTHER_STREET = '420107002'; // 冶金街道

let srv;
const ids = {};
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'sec', role: 'secadmin' },
			{ username: 'secst', role: 'secadmin', area: STREET },
			{ username: 'staff', role: 'community_staff', area: '420107005008' },
			{ username: 'lockme', role: 'community_staff', area: '420107001001' },
			{ username: 'multi', role: 'grid_worker', area: '420107001001' },
			{ username: 'resetme', role: 'community_staff', area: '420107001002' },
			{ username: 'leaver', role: 'community_staff', area: '420107001003' },
			{ username: 'other', role: 'community_staff', area: '420107002001' },
		],
	});
	const sec = await srv.login('sec');
	const all = await sec.get('/api/v1/users?limit=200');
	for (const u of all.json.items) ids[u.username] = u.id;
});
after(() => srv?.stop());

function cookieOf(r) {
	const c = [].concat(r.headers['set-cookie'] ?? []).find((x) => x.startsWith('doorstep_session='));
	assert.ok(c, `a doorstep_session cookie is set (${JSON.stringify(r.headers['set-cookie'])})`);
	return c;
}

test('login answers 200 with the user and a CSRF token, and sets a strict HttpOnly cookie', async () => {
	const c = srv.client();
	const r = await c.login('staff', PW);
	assert.equal(r.status, 200, r.text);
	assert.match(r.json.csrf_token, /^[0-9A-Za-z_-]{32,}$/, 'a random CSRF token');
	assert.equal(r.json.must_change_password, false, 'users made by the CLI need not change their password');
	assert.equal(r.json.user.username, 'staff');
	assert.equal(typeof r.json.user.id, 'number');
	assert.deepEqual(
		r.json.user.roles.map((g) => [g.role, g.area_code]),
		[['community_staff', '420107005008']],
	);
	assert.ok(r.json.user.permissions.includes('me'));
	const cookie = cookieOf(r);
	const value = /^doorstep_session=([^;]*)/.exec(cookie)[1];
	assert.match(value, /^[0-9A-Za-z_-]{43,}$/, 'a random token of at least 256 bits');
	const attrs = cookie.split(';').map((s) => s.trim().toLowerCase());
	assert.ok(attrs.includes('httponly'), cookie);
	assert.ok(attrs.includes('samesite=strict'), cookie);
	assert.ok(attrs.includes('path=/'), cookie);
	assert.ok(!attrs.includes('secure'), `no Secure over plain http: ${cookie}`);
	assert.ok(!JSON.stringify(r.json).includes(value), 'the session token is not in the body');
	// A second login is a different session.
	const c2 = srv.client();
	assert.equal((await c2.login('staff', PW)).status, 200);
	assert.notEqual(c2.cookie, c.cookie);
	assert.notEqual(c2.csrf, c.csrf);
	const me = await c.get('/api/v1/me');
	assert.equal(me.status, 200);
	assert.equal(me.json.user.username, 'staff');
	assert.ok(Array.isArray(me.json.user.permissions));
});

test('without --trust-proxy, X-Forwarded-Proto does not make the cookie Secure', async () => {
	const r = await srv.client().login('staff', PW, { headers: { 'X-Forwarded-Proto': 'https' } });
	assert.equal(r.status, 200);
	assert.ok(!/;\s*secure/i.test(cookieOf(r)));
});

test('a wrong password or unknown user answers 401 and sets no cookie', async () => {
	for (const [u, p] of [
		['staff', 'Wrong-Password-1'],
		['nobody-here', PW],
	]) {
		const c = srv.client();
		const r = await c.login(u, p);
		const b = assertProblem(r, 401, `${u}`);
		assert.equal(c.cookie, null);
		assert.ok(!b.detail.includes(p), 'the password is not echoed');
	}
});

test('logout ends the session on the server', async () => {
	const c = await srv.login('staff');
	const token = c.cookie;
	assert.equal((await c.get('/api/v1/me')).status, 200);
	const r = await c.logout();
	assert.equal(r.status, 204, r.text);
	const cleared = cookieOf(r);
	assert.match(cleared, /^doorstep_session=;|max-age=0|expires=/i, 'the cookie is cleared');
	c.cookie = token; // a client that kept the old cookie
	assertProblem(await c.get('/api/v1/me'), 401, 'after logout');
	assertProblem(await c.get('/api/v1/areas'), 401, 'after logout');
});

test('CSRF: a change without X-CSRF-Token or with a wrong one is 403; with it, it works', async () => {
	const c = await srv.login('sec');
	const p = `/api/v1/users/${ids.staff}/unlock`;
	const none = assertProblem(await c.req('POST', p, { csrf: false }), 403, 'no token');
	assert.match(none.type, /csrf/);
	assertProblem(await c.req('POST', p, { headers: { 'X-CSRF-Token': 'f'.repeat(64) } }), 403, 'wrong token');
	assertProblem(await c.req('POST', p, { headers: { 'X-CSRF-Token': '' } }), 403, 'empty token');
	assertProblem(await c.req('POST', p, { headers: { 'X-CSRF-Token': c.csrf.slice(0, -1) } }), 403, 'prefix');
	// Another session's token is not this session's.
	const other = await srv.login('sec');
	assertProblem(await c.req('POST', p, { headers: { 'X-CSRF-Token': other.csrf } }), 403, "another session's token");
	// CSRF is checked before the body is read.
	assertProblem(await c.req('DELETE', '/api/v1/session', { csrf: false }), 403, 'logout without token');
	assert.equal((await c.get('/api/v1/me')).status, 200, 'the refused logout left the session alone');
	const ok = await c.req('POST', p);
	assert.equal(ok.status, 200, ok.text);
	assert.equal(ok.json.id, ids.staff);
});

test('login with a foreign Origin is 403; with our own Origin or none it works', async () => {
	const foreign = await srv.client().login('staff', PW, { headers: { Origin: 'http://evil.example' } });
	assertProblem(foreign, 403, 'foreign Origin');
	assert.equal(foreign.headers['set-cookie'], undefined, 'no session for a foreign Origin');
	const lookalike = await srv.client().login('staff', PW, { headers: { Origin: `http://127.0.0.1:${srv.port}.evil.example` } });
	assertProblem(lookalike, 403, 'look-alike Origin');
	const own = await srv.client().login('staff', PW, { headers: { Origin: srv.url } });
	assert.equal(own.status, 200, own.text);
	const none = await srv.client().login('staff', PW);
	assert.equal(none.status, 200);
});

test('lockout: failures 1-5 answer 401, then 423 with Retry-After even for the right password; unlock works', async () => {
	for (let i = 1; i <= 5; i++) assertProblem(await srv.client().login('lockme', `Wrong-Pass-${i}x`), 401, `failure ${i}`);
	const locked = await srv.client().login('lockme', PW);
	assertProblem(locked, 423, 'right password while locked');
	const retry = locked.headers['retry-after'];
	assert.match(String(retry), /^\d+$/, `Retry-After in seconds: ${retry}`);
	assert.ok(Number(retry) > 800 && Number(retry) <= 900, `about 15 minutes: ${retry}`);
	assertProblem(await srv.client().login('lockme', 'Wrong-Pass-6x'), 423, 'wrong password while locked');
	const sec = await srv.login('sec');
	const shown = await sec.get(`/api/v1/users/${ids.lockme}`);
	assert.equal(shown.status, 200);
	assert.notEqual(shown.json.locked_until, null, 'the user shows as locked');
	const un = await sec.post(`/api/v1/users/${ids.lockme}/unlock`);
	assert.equal(un.status, 200, un.text);
	assert.equal(un.json.locked_until, null);
	const after = await srv.client().login('lockme', PW);
	assert.equal(after.status, 200, after.text);
	// The count starts again after a success: four more failures do not lock.
	for (let i = 1; i <= 4; i++) assertProblem(await srv.client().login('lockme', `Wrong-Again-${i}`), 401);
	assert.equal((await srv.client().login('lockme', PW)).status, 200);
});

test('changing the password ends the other sessions; the policy is enforced with 422', async () => {
	const a = await srv.login('multi');
	const b = await srv.login('multi');
	const bad = [
		['Ab1!short', /10/],
		['alllowercaseletters', /3 of 4|kind|class/i],
		['Password123', /common/i],
		['Multi-Passw0rd-x', /username/i],
	];
	for (const [pw] of bad) {
		const r = await a.post('/api/v1/me/password', { current_password: PW, new_password: pw });
		const body = assertProblem(r, 422, `new password ${pw}`);
		assert.ok(body.errors.some((e) => e.field === 'new_password'), JSON.stringify(body.errors));
		assert.ok(!r.text.includes(pw), 'the password is not echoed');
	}
	const wrong = await a.post('/api/v1/me/password', { current_password: 'Not-The-Current-1', new_password: PW2 });
	const wb = assertProblem(wrong, 422, 'wrong current password');
	assert.ok(wb.errors.some((e) => e.field === 'current_password'), JSON.stringify(wb.errors));
	assert.equal((await b.get('/api/v1/me')).status, 200, 'refused changes leave sessions alone');
	const ok = await a.post('/api/v1/me/password', { current_password: PW, new_password: PW2 });
	assert.equal(ok.status, 204, ok.text);
	assert.equal((await a.get('/api/v1/me')).status, 200, 'the session that changed it stays');
	assertProblem(await b.get('/api/v1/me'), 401, 'the other session is ended');
	assertProblem(await srv.client().login('multi', PW), 401, 'the old password');
	assert.equal((await srv.client().login('multi', PW2)).status, 200, 'the new password');
});

test('an admin reset ends sessions and forces a change before anything else', async () => {
	const victim = await srv.login('resetme');
	const sec = await srv.login('sec');
	const weak = await sec.post(`/api/v1/users/${ids.resetme}/password-reset`, { password: 'password' });
	assertProblem(weak, 422, 'a reset to a weak password');
	const r = await sec.post(`/api/v1/users/${ids.resetme}/password-reset`, { password: 'Temporary-Pass-77' });
	assert.equal(r.status, 204, r.text);
	assertProblem(await victim.get('/api/v1/me'), 401, 'the old session ends');
	const c = srv.client();
	const login = await c.login('resetme', 'Temporary-Pass-77');
	assert.equal(login.status, 200, login.text);
	assert.equal(login.json.must_change_password, true);
	assert.equal((await c.get('/api/v1/me')).status, 200, '/me is allowed');
	const denied = assertProblem(await c.get('/api/v1/areas'), 403, 'anything else');
	assert.match(denied.type, /must-change|password/);
	assertProblem(await c.get('/api/v1/areas/420107001002'), 403, 'anything else');
	const changed = await c.post('/api/v1/me/password', { current_password: 'Temporary-Pass-77', new_password: PW2 });
	assert.equal(changed.status, 204, changed.text);
	assert.equal((await c.get('/api/v1/areas')).status, 200, 'everything works after the change');
	const again = await srv.client().login('resetme', PW2);
	assert.equal(again.json.must_change_password, false);
});

test('deactivation ends the sessions and blocks login; reactivation restores it', async () => {
	const victim = await srv.login('leaver');
	const sec = await srv.login('sec');
	const r = await sec.post(`/api/v1/users/${ids.leaver}/deactivate`);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.active, false);
	assertProblem(await victim.get('/api/v1/me'), 401, 'the session ends');
	assertProblem(await srv.client().login('leaver', PW), 401, 'login of a deactivated account');
	const back = await sec.post(`/api/v1/users/${ids.leaver}/reactivate`);
	assert.equal(back.status, 200, back.text);
	assert.equal(back.json.active, true);
	assert.equal((await srv.client().login('leaver', PW)).status, 200);
});

test('a security admin cannot change their own account (403)', async () => {
	const sec = await srv.login('sec');
	const me = ids.sec;
	assertProblem(await sec.post(`/api/v1/users/${me}/deactivate`), 403, 'deactivate self');
	assertProblem(await sec.post(`/api/v1/users/${me}/unlock`), 403, 'unlock self');
	assertProblem(await sec.post(`/api/v1/users/${me}/roles`, { role: 'auditor', area_code: '420107' }), 403, 'grant self');
	assertProblem(await sec.post(`/api/v1/users/${me}/password-reset`, { password: 'Another-Pass-99' }), 403, 'reset self');
	const roleId = (await sec.get('/api/v1/me')).json.user.roles[0].id;
	assertProblem(await sec.delete(`/api/v1/users/${me}/roles/${roleId}`), 403, 'revoke own role');
	const still = await sec.get(`/api/v1/users/${me}`);
	assert.equal(still.json.active, true);
	assert.equal(still.json.roles.length, 1);
});

test('a street security admin cannot grant roles outside their street (403)', async () => {
	const st = await srv.login('secst');
	const made = await st.post('/api/v1/users', {
		username: 'newcomer',
		display_name: '新来的',
		password: 'Fresh-Start-31x',
		roles: [{ role: 'community_staff', area_code: '420107001005' }],
	});
	assert.equal(made.status, 201, made.text);
	assert.equal(made.json.must_change_password, true, 'a user made by an admin must change the password');
	const id = made.json.id;
	const out = await st.post(`/api/v1/users/${id}/roles`, { role: 'grid_worker', area_code: '420107002001' });
	assertProblem(out, 403, 'grant outside the street');
	const district = await st.post(`/api/v1/users/${id}/roles`, { role: 'district_admin', area_code: '420107' });
	assertProblem(district, 403, 'grant over the whole district');
	const outsideCreate = await st.post('/api/v1/users', {
		username: 'outsider',
		display_name: 'x',
		password: 'Fresh-Start-32x',
		roles: [{ role: 'community_staff', area_code: '420107002001' }],
	});
	assertProblem(outsideCreate, 403, 'create with a role outside the street');
	const inside = await st.post(`/api/v1/users/${id}/roles`, { role: 'grid_worker', area_code: '420107001005' });
	assert.equal(inside.status, 201, inside.text);
	assert.equal(inside.json.area_code, '420107001005');
	const dup = await st.post(`/api/v1/users/${id}/roles`, { role: 'grid_worker', area_code: '420107001005' });
	assertProblem(dup, 409, 'the same grant twice');
	const shown = await st.get(`/api/v1/users/${id}`);
	assert.deepEqual(
		shown.json.roles.map((g) => `${g.role}@${g.area_code}`),
		['community_staff@420107001005', 'grid_worker@420107001005'],
	);
});

test('a street security admin sees only the users of its street', async () => {
	const st = await srv.login('secst');
	// The list holds only users with a role in the street (or none yet).
	const list = await st.get('/api/v1/users?limit=200');
	assert.equal(list.status, 200);
	const names = list.json.items.map((u) => u.username);
	for (const u of list.json.items)
		assert.ok(
			u.roles.length === 0 || u.roles.some((g) => g.area_code.startsWith(STREET)),
			`${u.username} is outside the street: ${JSON.stringify(u.roles)}`,
		);
	for (const n of ['lockme', 'multi', 'newcomer', 'secst']) assert.ok(names.includes(n), `${n} is listed`);
	for (const n of ['sec', 'staff', 'other']) assert.ok(!names.includes(n), `${n} is not listed`);
	// Users outside the street are not found, exactly like users that do not exist.
	const hidden = await st.get(`/api/v1/users/${ids.other}`);
	const missing = await st.get('/api/v1/users/999999');
	assertProblem(hidden, 404, 'a user in another street');
	assertProblem(missing, 404, 'no such user');
	assert.deepEqual(hidden.json, missing.json);
	assertProblem(await st.post(`/api/v1/users/${ids.other}/deactivate`), 404, 'deactivate outside the street');
	// And an area filter outside the street is refused.
	assertProblem(await st.get(`/api/v1/users?area=${OTHER_STREET}`), 403, '?area= outside');
	const inStreet = await st.get(`/api/v1/users?area=420107001005`);
	assert.equal(inStreet.status, 200);
	assert.deepEqual(inStreet.json.items.map((u) => u.username), ['newcomer']);
	assert.equal(inStreet.json.next_cursor, null);
	// The district security admin sees them all.
	const all = await (await srv.login('sec')).get('/api/v1/users?limit=200');
	for (const n of ['sec', 'staff', 'other', 'newcomer']) assert.ok(all.json.items.some((u) => u.username === n));
});
