// Time-driven rules with the test clock: session idle and absolute timeouts,
// the end of a lockout, password expiry. The tests run in order, and the
// tests after the first only move the clock forward.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PW, PW2, assertProblem, startServer } from './lib/server.mjs';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let srv;
let created; // when the users' passwords were set (real time: the CLI has no test clock)
let t; // the server's clock as the tests last set it
before(async () => {
	created = Date.now();
	srv = await startServer({
		users: [
			{ username: 'idle', role: 'community_staff', area: '420107001001' },
			{ username: 'locked', role: 'community_staff', area: '420107001001' },
			{ username: 'old', role: 'grid_worker', area: '420107001001' },
			{ username: 'resident', role: 'resident', area: '420107001001' },
		],
	});
	t = await srv.setClock(created + 60 * 1000);
});
after(() => srv?.stop());

async function at(ms) {
	t = await srv.setClock(ms);
	return t;
}

test('the test clock can be set and periodic work run at once', async () => {
	const r = await srv.client().req('PUT', '/test/clock', { body: { now: '2027-01-01T00:00:00Z' }, csrf: false });
	assert.equal(r.status, 200);
	assert.ok(Date.parse(r.json.now) >= Date.parse('2027-01-01T00:00:00Z'));
	assertProblem(await srv.client().req('PUT', '/test/clock', { body: { now: 'tomorrow' } }), 422, 'bad time');
	await srv.tick();
	// Back to now; the tests that follow only move the clock forward.
	await at(created + 60 * 1000);
});

test('a session ends after 30 minutes idle', async () => {
	const c = await srv.login('idle');
	const start = t;
	await at(start + 29 * MIN);
	assert.equal((await c.get('/api/v1/me')).status, 200, 'after 29 minutes idle');
	await at(start + 29 * MIN + 29 * MIN);
	assert.equal((await c.get('/api/v1/me')).status, 200, 'activity restarted the idle time');
	await at(start + 29 * MIN + 29 * MIN + 31 * MIN);
	assertProblem(await c.get('/api/v1/me'), 401, 'after 31 minutes idle');
	await at(t + MIN);
	assertProblem(await c.get('/api/v1/me'), 401, 'and it stays ended');
});

test('a session ends after 12 hours however active', async () => {
	const c = await srv.login('idle');
	const start = t;
	// Active every 25 minutes: never idle for long.
	for (let m = 25; m < 12 * 60; m += 25) {
		await at(start + m * MIN);
		const r = await c.get('/api/v1/me');
		assert.equal(r.status, 200, `after ${m} minutes`);
	}
	await at(start + 12 * HOUR + 2 * MIN);
	assertProblem(await c.get('/api/v1/me'), 401, 'after 12 hours');
	// The periodic purge runs without trouble on expired sessions.
	await srv.tick();
	assert.equal((await srv.client().login('idle', PW)).status, 200, 'a new login works');
});

test('a lockout ends by itself after 15 minutes', async () => {
	for (let i = 1; i <= 5; i++) assertProblem(await srv.client().login('locked', `Wrong-Pass-${i}x`), 401, `failure ${i}`);
	const start = t;
	const r = await srv.client().login('locked', PW);
	assertProblem(r, 423, 'locked');
	const retry = Number(r.headers['retry-after']);
	assert.ok(retry > 800 && retry <= 900, `Retry-After ${r.headers['retry-after']}`);
	await at(start + 10 * MIN);
	const later = await srv.client().login('locked', PW);
	assertProblem(later, 423, 'still locked after 10 minutes');
	const left = Number(later.headers['retry-after']);
	assert.ok(left > 200 && left <= 310, `Retry-After counts down: ${later.headers['retry-after']}`);
	await at(start + 16 * MIN);
	const ok = await srv.client().login('locked', PW);
	assert.equal(ok.status, 200, ok.text);
});

test('a staff password older than 90 days must be changed before anything else', async () => {
	// 89 days: still fine.
	await at(created + 89 * DAY);
	const fresh = await srv.client().login('old', PW);
	assert.equal(fresh.status, 200);
	assert.equal(fresh.json.must_change_password, false, 'at 89 days');
	// 91 days: expired.
	await at(created + 91 * DAY);
	const c = srv.client();
	const r = await c.login('old', PW);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.must_change_password, true);
	assert.equal(typeof r.json.csrf_token, 'string');
	assert.equal((await c.get('/api/v1/me')).json.must_change_password, true);
	const denied = assertProblem(await c.get('/api/v1/areas'), 403, 'other endpoints');
	assert.match(denied.type, /must-change|password/);
	assertProblem(await c.get('/api/v1/areas/420107001001'), 403, 'other endpoints');
	// The policy holds here too.
	for (const pw of ['short1A!', 'onlylowercaseletters', 'Password123']) {
		const bad = await c.post('/api/v1/me/password', { current_password: PW, new_password: pw });
		const b = assertProblem(bad, 422, pw);
		assert.ok(b.errors.some((e) => e.field === 'new_password'), JSON.stringify(b.errors));
	}
	const same = await c.post('/api/v1/me/password', { current_password: PW, new_password: PW });
	assertProblem(same, 422, 'the same password again');
	const changed = await c.post('/api/v1/me/password', { current_password: PW, new_password: PW2 });
	assert.equal(changed.status, 204, changed.text);
	const after = await c.get('/api/v1/areas');
	assert.equal(after.status, 200, 'everything works after the change');
	assert.equal((await c.get('/api/v1/me')).json.must_change_password, false);
	const again = await srv.client().login('old', PW2);
	assert.equal(again.json.must_change_password, false);
});

test("a resident's password does not expire", async () => {
	await at(Math.max(t, created + 400 * DAY));
	const r = await srv.client().login('resident', PW);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.must_change_password, false);
});
