// API tokens for integrations: created by the CLI or a system administrator,
// scoped, revocable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertProblem, run, startServer } from './lib/server.mjs';

let srv;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'sys', role: 'sysadmin' },
			{ username: 'sec', role: 'secadmin' },
		],
	});
});
after(() => srv?.stop());

async function apikeyAdd(name, ...scopes) {
	const r = await run(['apikey', 'add', '--db', srv.db, '--name', name, ...scopes.flatMap((s) => ['--scope', s])]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /^[^\s]+\n$/, `the token alone on one line: ${JSON.stringify(r.stdout)}`);
	return r.stdout.trim();
}

function bearer(token) {
	return { headers: { Authorization: `Bearer ${token}` } };
}

test('a token from `doorstep apikey add` works as a Bearer token within its scope', async () => {
	const token = await apikeyAdd('gis-sync', 'areas.read');
	assert.ok(token.length >= 32, 'a long random token');
	const c = srv.client();
	const list = await c.get('/api/v1/areas', bearer(token));
	assert.equal(list.status, 200, list.text);
	const one = await c.get('/api/v1/areas/420107005008', bearer(token));
	assert.equal(one.status, 200, one.text);
	const kids = await c.get('/api/v1/areas?parent=420107', bearer(token));
	assert.equal(kids.status, 200, kids.text);
	assert.ok(kids.json.items.length >= 10);
	// Outside its scope.
	assertProblem(await c.get('/api/v1/users', bearer(token)), 403, 'users with an areas.read token');
	assertProblem(await c.get('/api/v1/audit', bearer(token)), 403, 'audit with an areas.read token');
	// Case of the scheme does not matter; a mangled token is no token.
	assert.equal((await c.get('/api/v1/areas', { headers: { Authorization: `bearer ${token}` } })).status, 200);
	assertProblem(await c.get('/api/v1/areas', bearer(token.slice(0, -1))), 401, 'a truncated token');
	assertProblem(await c.get('/api/v1/areas', bearer(token + '0')), 401, 'a longer token');
});

test('a token over the whole tree lists the district as its scope root', async () => {
	const token = await apikeyAdd('gis-roots', 'areas.read');
	const list = await srv.client().get('/api/v1/areas', bearer(token));
	assert.equal(list.status, 200, list.text);
	assert.ok(list.json.items.some((a) => a.code === '420107'), `the token sees the district: ${list.text}`);
});

test('a token without the scope gets 403', async () => {
	const token = await apikeyAdd('auditing', 'audit.read');
	assertProblem(await srv.client().get('/api/v1/areas', bearer(token)), 403, 'areas with an audit.read token');
	assert.equal((await srv.client().get('/api/v1/audit', bearer(token))).status, 200);
});

test('an unknown scope is a usage error of the CLI', async () => {
	const r = await run(['apikey', 'add', '--db', srv.db, '--name', 'bad', '--scope', 'everything']);
	assert.equal(r.code, 64, r.stderr);
	assert.equal(r.stdout, '');
});

test('a system admin creates, lists and revokes tokens; a revoked token gets 401', async () => {
	const sys = await srv.login('sys');
	const made = await sys.post('/api/v1/api-tokens', { name: 'open-data', scopes: ['areas.read'] });
	assert.equal(made.status, 201, made.text);
	assert.equal(made.json.name, 'open-data');
	const token = made.json.token;
	assert.equal(typeof token, 'string');
	assert.equal((await srv.client().get('/api/v1/areas', bearer(token))).status, 200);
	// Bearer requests need no CSRF token: browsers do not send them by themselves.
	const list = await sys.get('/api/v1/api-tokens');
	assert.equal(list.status, 200);
	const entry = list.json.items.find((t) => t.id === made.json.id);
	assert.ok(entry, 'the new token is listed');
	assert.equal(entry.revoked_at, null);
	assert.ok(!list.text.includes(token), 'the list never shows tokens');
	// Refusals.
	assertProblem(await sys.post('/api/v1/api-tokens', { name: 'x', scopes: ['root'] }), 422, 'unknown scope');
	assertProblem(await sys.post('/api/v1/api-tokens', { name: 'x', scopes: [] }), 422, 'no scope');
	assertProblem(await sys.post('/api/v1/api-tokens', { name: 'x' }), 422, 'scopes missing');
	const sec = await srv.login('sec');
	assertProblem(await sec.post('/api/v1/api-tokens', { name: 'x', scopes: ['areas.read'] }), 403, 'a secadmin');
	assertProblem(await sec.delete(`/api/v1/api-tokens/${made.json.id}`), 403, 'a secadmin revokes');
	assertProblem(await sys.delete(`/api/v1/api-tokens/${made.json.id}`, { csrf: false }), 403, 'revoke without CSRF');
	// Revoke.
	const del = await sys.delete(`/api/v1/api-tokens/${made.json.id}`);
	assert.equal(del.status, 204, del.text);
	assertProblem(await srv.client().get('/api/v1/areas', bearer(token)), 401, 'a revoked token');
	assertProblem(await sys.delete(`/api/v1/api-tokens/${made.json.id}`), 404, 'revoked twice');
	assertProblem(await sys.delete('/api/v1/api-tokens/999999'), 404, 'no such token');
	const after = await sys.get('/api/v1/api-tokens');
	assert.notEqual(after.json.items.find((t) => t.id === made.json.id).revoked_at, null);
});

test('a token revoked with the CLI gets 401', async () => {
	const token = await apikeyAdd('short-lived', 'areas.read');
	assert.equal((await srv.client().get('/api/v1/areas', bearer(token))).status, 200);
	const sys = await srv.login('sys');
	const id = (await sys.get('/api/v1/api-tokens')).json.items.find((t) => t.name === 'short-lived').id;
	const r = await run(['apikey', 'revoke', '--db', srv.db, '--id', String(id)]);
	assert.equal(r.code, 0, r.stderr);
	assertProblem(await srv.client().get('/api/v1/areas', bearer(token)), 401, 'revoked by the CLI');
});
