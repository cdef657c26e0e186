// Request syntax and validation, problem details, list conventions and limits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertProblem, rawSocket, startServer } from './lib/server.mjs';

let srv;
let sec;
let aud;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'sec', role: 'secadmin' },
			{ username: 'aud', role: 'auditor' },
		],
	});
	sec = await srv.login('sec');
	aud = await srv.login('aud');
});
after(() => srv?.stop());

const EXPORTS = '/api/v1/audit/exports';

test('a valid body is accepted (the reference for the refusals below)', async () => {
	const r = await aud.post(EXPORTS, { action: 'login' });
	assert.equal(r.status, 202, r.text);
	const typed = await aud.req('POST', EXPORTS, {
		body: '{"outcome":"success"}',
		raw: true,
		headers: { 'Content-Type': 'application/json; charset=utf-8' },
	});
	assert.equal(typed.status, 202, typed.text);
});

test('malformed JSON, invalid UTF-8 and an empty body answer 400', async () => {
	for (const body of ['{"action": ', '{action: "login"}', "{'action': 'login'}", '{"action":"login"} x', '', 'nul']) {
		const r = await aud.req('POST', EXPORTS, { body, raw: true });
		assertProblem(r, 400, JSON.stringify(body));
	}
	const bad = Buffer.concat([Buffer.from('{"action":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
	assertProblem(await aud.req('POST', EXPORTS, { body: bad, raw: true }), 400, 'invalid UTF-8');
});

test('duplicate JSON keys answer 400', async () => {
	const r = await aud.req('POST', EXPORTS, { body: '{"action":"login","action":"logout"}', raw: true });
	assertProblem(r, 400, 'duplicate keys');
	const login = await srv.client().req('POST', '/api/v1/session', {
		body: '{"username":"aud","password":"x","username":"sec"}',
		raw: true,
	});
	assertProblem(login, 400, 'duplicate keys at login');
});

test('a body that is not application/json answers 415', async () => {
	for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', null]) {
		const r = await aud.req('POST', EXPORTS, { body: '{}', raw: true, headers: { 'Content-Type': type } });
		assertProblem(r, 415, `Content-Type ${type}`);
	}
	const form = await srv.client().req('POST', '/api/v1/session', {
		body: 'username=aud&password=x',
		raw: true,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
	});
	assertProblem(form, 415, 'a form login');
});

test('JSON nested too deeply answers 400', async () => {
	for (const depth of [40, 100000]) {
		const body = '{"action":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
		assertProblem(await aud.req('POST', EXPORTS, { body, raw: true }), 400, `depth ${depth}`);
	}
	const objects = '{"a":'.repeat(30) + '1' + '}'.repeat(30);
	assertProblem(await aud.req('POST', EXPORTS, { body: objects, raw: true }), 400, 'nested objects');
});

test('unknown fields, wrong types and missing fields answer 422 with field errors', async () => {
	const unknown = assertProblem(await aud.post(EXPORTS, { action: 'login', bogus: 1 }), 422, 'unknown field');
	assert.ok(unknown.errors.some((e) => e.field === 'bogus'), JSON.stringify(unknown.errors));
	const loginExtra = await srv.client().login('aud', 'x', { headers: {} });
	assert.equal(loginExtra.status, 401);
	const extra = await srv.client().req('POST', '/api/v1/session', {
		body: { username: 'aud', password: 'whatever-1A', remember: true },
	});
	assert.ok(assertProblem(extra, 422, 'unknown login field').errors.some((e) => e.field === 'remember'));

	const types = await aud.post(EXPORTS, { action: 5, outcome: 'maybe', from: 'yesterday', username: ['aud'] });
	const tb = assertProblem(types, 422, 'wrong types');
	for (const f of ['action', 'outcome', 'from', 'username'])
		assert.ok(tb.errors.some((e) => e.field === f), `${f}: ${JSON.stringify(tb.errors)}`);

	const missing = assertProblem(await sec.post('/api/v1/users', { display_name: 'x' }), 422, 'missing fields');
	for (const f of ['username', 'password'])
		assert.ok(missing.errors.some((e) => e.field === f && /required/.test(e.detail)), JSON.stringify(missing.errors));
	const wrong = assertProblem(
		await sec.post('/api/v1/users', { username: 7, display_name: null, password: true, roles: 'x' }),
		422,
		'wrong types',
	);
	for (const f of ['username', 'display_name', 'password', 'roles'])
		assert.ok(wrong.errors.some((e) => e.field === f), `${f}: ${JSON.stringify(wrong.errors)}`);
	const nested = assertProblem(
		await sec.post('/api/v1/users', {
			username: 'nested',
			display_name: 'n',
			password: 'Nested-Pass-123',
			roles: [{ role: 'emperor', area_code: '420107', extra: 1 }],
		}),
		422,
		'nested errors',
	);
	assert.ok(nested.errors.some((e) => /roles.*role/.test(e.field)), JSON.stringify(nested.errors));
	assert.ok(nested.errors.some((e) => /roles.*extra/.test(e.field)), JSON.stringify(nested.errors));
	const long = assertProblem(
		await sec.post('/api/v1/users', { username: 'u'.repeat(65), display_name: 'x', password: 'Long-Name-Pass-1' }),
		422,
		'too long',
	);
	assert.ok(long.errors.some((e) => e.field === 'username'));
	// Passwords are never echoed in errors.
	const pw = await sec.post('/api/v1/users', { username: 'echo', display_name: 'x', password: 'Sekrit-but-' + 'x'.repeat(130) });
	assertProblem(pw, 422, 'too long password');
	assert.ok(!pw.text.includes('Sekrit-but-'));
});

test('a JSON body that is not an object answers 422 with a field error', async () => {
	assertProblem(await aud.post(EXPORTS, [1, 2]), 422, 'an array instead of an object');
	assertProblem(await aud.post(EXPORTS, 'login'), 422, 'a string instead of an object');
	assertProblem(await aud.post(EXPORTS, null), 422, 'null instead of an object');
});

test('problem details have type, title, status and detail', async () => {
	const r = await aud.post(EXPORTS, { bogus: true });
	const b = assertProblem(r, 422);
	assert.ok(b.title.length > 0 && b.detail.length > 0);
	assert.deepEqual(Object.keys(b.errors[0]).sort(), ['detail', 'field']);
	const nf = assertProblem(await sec.get('/api/v1/users/987654'), 404);
	assert.notEqual(nf.type, b.type, 'each kind of problem has its own type');
});

test('list limits: 0 and 201 are 422, 1 and 200 are fine', async () => {
	for (const q of ['limit=0', 'limit=201', 'limit=-1', 'limit=abc', 'limit=1e2', 'limit=99999999999999999999']) {
		const b = assertProblem(await sec.get(`/api/v1/users?${q}`), 422, q);
		assert.ok(b.errors.some((e) => e.field === 'limit'), JSON.stringify(b.errors));
	}
	for (const q of ['limit=1', 'limit=200']) assert.equal((await sec.get(`/api/v1/users?${q}`)).status, 200, q);
	assert.equal((await aud.get('/api/v1/audit?limit=200')).status, 200);
	assertProblem(await aud.get('/api/v1/audit?limit=201'), 422, 'audit limit');
	const unknown = assertProblem(await sec.get('/api/v1/users?colour=red'), 422, 'unknown query parameter');
	assert.ok(unknown.errors.some((e) => e.field === 'colour'));
});

test('cursor pagination walks every user once; next_cursor is null on the last page', async () => {
	for (let i = 1; i <= 5; i++) {
		const r = await sec.post('/api/v1/users', {
			username: `page${i}`,
			display_name: `分页用户${i}`,
			password: `Paging-Pass-${i}${i}x`,
		});
		assert.equal(r.status, 201, r.text);
	}
	const all = await sec.get('/api/v1/users?limit=200');
	assert.equal(all.json.next_cursor, null);
	const expected = all.json.items.map((u) => u.id);
	assert.ok(expected.length >= 7);
	for (const limit of [2, 3, expected.length]) {
		const seen = [];
		let cursor = null;
		let pages = 0;
		do {
			const r = await sec.get(`/api/v1/users?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
			assert.equal(r.status, 200, r.text);
			pages++;
			assert.ok(r.json.items.length <= limit);
			seen.push(...r.json.items.map((u) => u.id));
			cursor = r.json.next_cursor;
			if (cursor !== null) {
				assert.equal(typeof cursor, 'string');
				assert.equal(r.json.items.length, limit, 'only the last page is short');
			}
			assert.ok(pages <= expected.length + 1, 'the walk ends');
		} while (cursor !== null);
		assert.deepEqual(seen, expected, `limit ${limit}`);
		assert.equal(pages, Math.ceil(expected.length / limit), `pages at limit ${limit}`);
	}
	// The default page size is 50.
	assert.equal((await sec.get('/api/v1/users')).json.items.length, expected.length);
});

test('a declared Content-Length over 1 MiB answers 413 before the body is sent', async () => {
	for (const [p, extra] of [
		['/api/v1/session', ''],
		[EXPORTS, `Cookie: doorstep_session=${aud.cookie}\r\nX-CSRF-Token: ${aud.csrf}\r\n`],
		['/api/v1/nothing', ''],
	]) {
		const r = await rawSocket(
			srv,
			`POST ${p} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nContent-Type: application/json\r\n${extra}` +
				`Content-Length: ${(1 << 20) + 1}\r\n\r\n`,
			{ timeout: 5000, untilStatus: true },
		);
		assert.equal(r.status, 413, `${p}: ${r.text.slice(0, 200)}`);
		assert.match(r.text, /application\/problem\+json/);
	}
	const huge = await rawSocket(
		srv,
		`POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n`,
		{ untilStatus: true },
	);
	assert.equal(huge.status, 413);
	// Exactly 1 MiB is not too large (it is refused as JSON instead).
	const max = await aud.req('POST', EXPORTS, { body: ' '.repeat(1 << 20), raw: true });
	assertProblem(max, 400, 'a 1 MiB body of spaces');
});

test('a chunked body that grows past 1 MiB answers 413', async () => {
	const chunk = 'x'.repeat(64 * 1024);
	let data = `POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
	for (let i = 0; i < 20; i++) data += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
	data += '0\r\n\r\n';
	const r = await rawSocket(srv, data, { untilStatus: true });
	assert.equal(r.status, 413, r.text.slice(0, 200));
});

test('oversized headers answer 431', async () => {
	const one = await rawSocket(srv, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`);
	assert.equal(one.status, 431, one.text.slice(0, 200));
	let many = 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\n';
	for (let i = 0; i < 3000; i++) many += `X-H${i}: abcdefghijk\r\n`;
	const r = await rawSocket(srv, many + '\r\n');
	assert.equal(r.status, 431, r.text.slice(0, 200));
	// The server is fine afterwards.
	assert.equal((await srv.client().get('/healthz')).status, 200);
});
