// Behind a reverse proxy (--trust-proxy), and the per-address login throttle.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PW, assertProblem, startServer } from './lib/server.mjs';

let srv;
before(async () => {
	srv = await startServer({
		args: ['--trust-proxy'],
		set: { ip_login_failures: 10 },
		users: [
			{ username: 'aud', role: 'auditor' },
			{ username: 'alice', role: 'community_staff', area: '420107001001' },
			{ username: 'bob', role: 'community_staff', area: '420107001002' },
			{ username: 'carol', role: 'community_staff', area: '420107001003' },
			{ username: 'dave', role: 'community_staff', area: '420107001005' },
		],
	});
});
after(() => srv?.stop());

function cookieOf(r) {
	const c = [].concat(r.headers['set-cookie'] ?? []).find((x) => x.startsWith('doorstep_session='));
	assert.ok(c, 'a session cookie');
	return c.split(';').map((s) => s.trim().toLowerCase());
}

test('with --trust-proxy and X-Forwarded-Proto: https from loopback the cookie is Secure', async () => {
	const https = await srv.client().login('alice', PW, {
		headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '198.51.100.7' },
	});
	assert.equal(https.status, 200, https.text);
	const attrs = cookieOf(https);
	assert.ok(attrs.includes('secure'), attrs.join('; '));
	assert.ok(attrs.includes('httponly') && attrs.includes('samesite=strict'));
	const http = await srv.client().login('alice', PW, { headers: { 'X-Forwarded-Proto': 'http' } });
	assert.ok(!cookieOf(http).includes('secure'), 'plain http through the proxy');
	const direct = await srv.client().login('alice', PW);
	assert.ok(!cookieOf(direct).includes('secure'), 'no header, no Secure');
	// The logout's clearing cookie follows the scheme too.
	const c = srv.client();
	await c.login('bob', PW, { headers: { 'X-Forwarded-Proto': 'https' } });
	const out = await c.req('DELETE', '/api/v1/session', { headers: { 'X-Forwarded-Proto': 'https' } });
	assert.equal(out.status, 204);
});

test('the client address comes from X-Forwarded-For of the loopback proxy', async () => {
	const r = await srv.client().login('carol', 'Wrong-Proxy-Pass-1', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
	assertProblem(r, 401);
	const aud = await srv.login('aud');
	const log = await aud.get('/api/v1/audit?username=carol&outcome=failure');
	assert.equal(log.status, 200);
	assert.ok(log.json.items.length >= 1);
	assert.equal(log.json.items[0].client, '203.0.113.9');
	// A forged earlier entry is not taken: the proxy appends the address it saw.
	await srv.client().login('carol', 'Wrong-Proxy-Pass-2', { headers: { 'X-Forwarded-For': '10.9.9.9, 203.0.113.10' } });
	const log2 = await aud.get('/api/v1/audit?username=carol&outcome=failure&limit=1');
	assert.equal(log2.json.items[0].client, '203.0.113.10');
});

test('many failed logins from one address, over several usernames, answer 429 with Retry-After', async () => {
	const from = { 'X-Forwarded-For': '192.0.2.50' };
	const names = ['alice', 'bob', 'carol', 'dave', 'nobody1', 'nobody2'];
	// Ten failures, at most two per account, so no account is locked.
	for (let i = 0; i < 10; i++) {
		const r = await srv.client().login(names[i % names.length], `Wrong-Throttle-${i}x`, { headers: from });
		assertProblem(r, 401, `failure ${i + 1}`);
	}
	const blocked = await srv.client().login('dave', PW, { headers: from });
	assertProblem(blocked, 429, 'the right password from the throttled address');
	const retry = blocked.headers['retry-after'];
	assert.match(String(retry), /^\d+$/, `Retry-After in seconds: ${retry}`);
	assert.ok(Number(retry) > 0 && Number(retry) <= 900, retry);
	assertProblem(await srv.client().login('nobody3', 'x-Wrong-1', { headers: from }), 429, 'another username');
	// Another address is not affected, and the accounts are not locked.
	const other = await srv.client().login('dave', PW, { headers: { 'X-Forwarded-For': '192.0.2.51' } });
	assert.equal(other.status, 200, other.text);
	// After the window the address may try again.
	const now = Date.now();
	await srv.setClock(now + 16 * 60 * 1000);
	const later = await srv.client().login('dave', PW, { headers: from });
	assert.equal(later.status, 200, later.text);
});
