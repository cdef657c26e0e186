// Hostile input against every endpoint, enumerated from the server's own route
// table, so that a new endpoint is covered without a line here: forged
// credentials, missing CSRF tokens, wrong methods, hostile path segments, query
// strings and JSON bodies, Open311 forms, another community's records, path
// traversal, malformed HTTP and slow clients. Every answer is a clear 4xx (or a
// closed connection where a limit says so), the server keeps answering, and no
// business table changes. Run under the sanitizers too, which is the point.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
	BAD_BYTES,
	BAD_JSON,
	FIELD_VALUES,
	MATCH_NOTHING,
	PATH_VALUES,
	POISON,
	QUERY_VALUES,
	STATIC_PATHS,
	assertRefused,
	forgedCredentials,
	hex,
	pool,
	tableChecksums,
} from './lib/hostile.mjs';
import { newId } from './lib/ids.mjs';
import { rawSocket, run, startServer, tempDir } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const B = '420107005001'; // 青雅居社区, the same street
const SECRET = `secret-${hex(8)}`;
const PARALLEL = 4;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
// Tables that record requests, not business: they may change on a refusal.
const NOT_BUSINESS = [/^audit/, /^sessions$/, /^login_/, /^throttle/, /^idempotency/, /^metrics/];

let srv;
let routes; // [{method, path, permission, public, body: schema|null, form, upload, query: [names], list}]
const users = {}; // username → logged-in client
let baseline;
let requests = 0;
const D = {};

before(async () => {
	const dir = tempDir();
	const web = path.join(dir, 'web');
	fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
	fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>app</title>\n');
	fs.writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log(1)\n');
	fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET + '\n');
	fs.symlinkSync('../secret.txt', path.join(web, 'link-out'));
	srv = await startServer({
		dir,
		args: ['--web', web],
		set: { body_max: 65536, upload_max: 131072 },
		users: [
			{ username: 'staffA', role: 'community_staff', area: A },
			{ username: 'staffB', role: 'community_staff', area: B },
			{ username: 'distadm', role: 'district_admin', area: '420107' },
			{ username: 'gridA', role: 'grid_worker', area: A },
			{ username: 'sec', role: 'secadmin' },
			{ username: 'sys', role: 'sysadmin' },
			{ username: 'aud', role: 'auditor' },
			{ username: 'resA', role: 'resident', area: A },
		],
	});
	const key = await run(['apikey', 'add', '--db', srv.db, '--name', 'intake', '--scope', 'open311']);
	assert.equal(key.code, 0, key.stderr);
	D.apiKey = /[0-9a-f]{32,}/.exec(key.stdout)?.[0];
	assert.ok(D.apiKey, `apikey add printed a token: ${key.stdout}`);
	for (const u of ['staffA', 'staffB', 'distadm', 'gridA', 'sec', 'sys', 'aud', 'resA']) {
		users[u] = await srv.login(u);
		users[u].perms = new Set((await users[u].get('/api/v1/me')).json.user.permissions);
	}

	// Records of community A that community B's staff must not reach.
	const hh = await users.staffA.post('/api/v1/households', { area_code: A, unit: '1', room: '101' });
	assert.equal(hh.status, 201, hh.text);
	D.household = hh.json.id;
	const res = await users.staffA.post('/api/v1/residents', {
		name: '韩敏感',
		household_id: D.household,
		relation: 'head',
		id_number: newId('19500101'),
		phone: '13900001111',
	});
	assert.equal(res.status, 201, res.text);
	D.resident = res.json.id;
	const wo = await users.staffA.post('/api/v1/work-orders', {
		category: 'stairwell_lighting',
		description: '楼道灯不亮',
		area_code: A,
	});
	assert.equal(wo.status, 201, wo.text);
	D.order = wo.json.id;
	const hhB = await users.staffB.post('/api/v1/households', { area_code: B, unit: '1', room: '101' });
	assert.equal(hhB.status, 201, hhB.text);

	// The endpoints: the route table, with bodies and parameters from the OpenAPI description.
	const doc = JSON.parse((await srv.client().req('GET', '/api/openapi.json')).text);
	const table = (await srv.client().req('GET', '/test/routes')).json.items;
	routes = table
		.filter((r) => !r.path.startsWith('/test/'))
		.map((r) => {
			const op = doc.paths[r.path]?.[r.method];
			const content = op?.requestBody?.content ?? {};
			const params = op?.parameters ?? [];
			return {
				method: r.method.toUpperCase(),
				path: r.path,
				permission: r.permission ?? null,
				public: !r.path.startsWith('/api/v1/') || (Array.isArray(op?.security) && op.security.length === 0),
				body: content['application/json']?.schema ?? null,
				form: r.path.startsWith('/open311/') ? r.method === 'post' : 'application/x-www-form-urlencoded' in content,
				upload: 'application/octet-stream' in content,
				query: params.filter((p) => p.in === 'query').map((p) => p.name),
				list: params.some((p) => p.in === 'query' && p.name === 'cursor'),
			};
		});
	assert.ok(routes.length > 50, `${routes.length} routes`);
	assert.ok(routes.some((r) => r.path.startsWith('/open311/')), 'Open311 is in the route table');
	baseline = snapshot();
});
after(() => srv?.stop());

function snapshot() {
	return tableChecksums(srv.db, NOT_BUSINESS, { meta: "WHERE key <> 'audit_head'" });
}

/** The server still answers, and no business table changed. */
async function unchanged(t, what) {
	const h = await srv.client().req('GET', '/healthz');
	assert.equal(h.status, 200, `health after ${what}`);
	const now = snapshot();
	const changed = Object.keys({ ...now, ...baseline }).filter((k) => now[k] !== baseline[k]);
	assert.deepEqual(changed, [], `business tables changed by ${what}`);
	t.diagnostic(`${requests} hostile requests so far`);
}

/** A client allowed to call the route, or an anonymous one for public routes. */
function callerFor(rt) {
	if (rt.public) return srv.client();
	if (rt.permission == null) return users.staffA;
	for (const u of ['staffA', 'distadm', 'gridA', 'sec', 'sys', 'aud']) if (users[u].perms.has(rt.permission)) return users[u];
	assert.fail(`no test user holds ${rt.permission}`);
}

/** The route's path with each {param} filled, the one at index `at` with value. */
function fill(template, at = -1, value = null) {
	let i = 0;
	return template.replace(/\{([^}]+)\}/g, (_, name) => {
		const v = i++ === at ? value : null;
		if (v != null) return v;
		if (template.startsWith('/open311/')) return name === 'resource' ? 'requests.json' : name === 'collection' ? 'requests' : `${D.order}.json`;
		if (name === 'code' || name === 'area') return A;
		if (name === 'date') return '2026-12-01';
		return '1';
	});
}

const paramCount = (template) => (template.match(/\{/g) ?? []).length;

/** One request, counted; raw bodies, headers as given. */
async function send(client, method, p, opts = {}) {
	requests++;
	return client.req(method, p, opts);
}

/** A syntactically fine body for the route's schema: {} or an empty form. */
function neutralBody(rt) {
	if (rt.body) return { body: '{}', raw: true };
	if (rt.form) return { body: '', raw: true, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
	return {};
}

test('forged or missing credentials get 401 on every endpoint that needs a login', async (t) => {
	const real = users.staffA.cookie;
	const cases = [];
	for (const rt of routes.filter((r) => !r.public))
		for (const headers of [{}, ...forgedCredentials(real)]) cases.push({ rt, headers });
	await pool(cases, PARALLEL, async ({ rt, headers }) => {
		const c = srv.client();
		const r = await send(c, rt.method, fill(rt.path), { ...neutralBody(rt), headers });
		assertRefused(r, `${rt.method} ${rt.path} with ${JSON.stringify(headers).slice(0, 80)}`, [401]);
	});
	await unchanged(t, 'forged credentials');
});

test('a missing, wrong or borrowed CSRF token gets 403 on every endpoint that changes something', async (t) => {
	const cases = [];
	for (const rt of routes.filter((r) => !r.public && r.method !== 'GET'))
		for (const token of [null, '', 'x', hex(32), users.staffB.csrf, users.staffA.csrf + ' ', `${users.staffA.csrf}\t`])
			cases.push({ rt, token });
	await pool(cases, PARALLEL, async ({ rt, token }) => {
		const c = callerFor(rt);
		const headers = { ...(neutralBody(rt).headers ?? {}), 'X-CSRF-Token': token };
		const r = await send(c, rt.method, fill(rt.path), { ...neutralBody(rt), headers, csrf: false });
		assertRefused(r, `${rt.method} ${rt.path} with CSRF ${JSON.stringify(token)}`, [403]);
	});
	await unchanged(t, 'CSRF');
});

test('every method an endpoint does not take gets 405', async (t) => {
	const byPath = new Map();
	for (const rt of routes) byPath.set(rt.path, new Set([...(byPath.get(rt.path) ?? []), rt.method]));
	const cases = [];
	for (const [p, methods] of byPath) for (const m of METHODS) if (!methods.has(m)) cases.push({ p, m });
	// /residents/exports is also /residents/{id} with the id "exports": that route answers.
	const templated = (m, concrete) =>
		routes.some((r) => r.method === m && new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(concrete));
	await pool(cases, PARALLEL, async ({ p, m }) => {
		const r = await send(users.distadm, m, fill(p));
		assertRefused(r, `${m} ${p}`, templated(m, fill(p)) ? undefined : [405]);
	});
	// Methods outside the five, on a raw connection (node refuses some of them).
	for (const m of ['OPTIONS', 'TRACE', 'CONNECT', 'FOO', 'get', 'G\u00e9T']) {
		requests++;
		const r = await rawSocket(srv, `${m} /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeout: 10000 });
		assert.ok(r.status == null ? r.closed : r.status >= 400 && r.status < 500, `${m}: ${r.text.slice(0, 100)}`);
	}
	await unchanged(t, 'wrong methods');
});

test('hostile path segments get a 4xx on every endpoint', async (t) => {
	const cases = [];
	for (const rt of routes)
		for (let i = 0; i < paramCount(rt.path); i++)
			for (const v of PATH_VALUES) {
				cases.push({ rt, i, v });
				// Open311 names its resources with a suffix: the value must get past it too.
				if (rt.path.startsWith('/open311/')) for (const ext of ['.json', '.xml']) cases.push({ rt, i, v: v + ext });
			}
	await pool(cases, PARALLEL, async ({ rt, i, v }) => {
		const r = await send(callerFor(rt), rt.method, fill(rt.path, i, v), neutralBody(rt));
		if (rt.method === 'GET' && rt.path.startsWith('/open311/') && r.status === 200) return; // a search that found nothing
		// "Read every notification up to this id" takes any id; the caller has none, so nothing changes.
		if (rt.path === '/api/v1/notifications/{id}/read' && v === '9223372036854775807' && r.status === 204) return;
		assertRefused(r, `${rt.method} ${fill(rt.path, i, v).slice(0, 120)}`);
	});
	await unchanged(t, 'path segments');
});

test('hostile query strings never get a 5xx, match nothing, and change nothing', async (t) => {
	const cases = [];
	for (const rt of routes) {
		const names = [...rt.query, ...(rt.list ? ['area', 'limit', 'cursor'] : [])];
		for (const name of new Set(names)) for (const v of QUERY_VALUES) cases.push({ rt, q: `${name}=${v}`, v, filter: !['area', 'limit', 'cursor'].includes(name) });
		cases.push({ rt, q: 'hostile=1', unknown: true });
		cases.push({ rt, q: `${encodeURIComponent("' OR 1=1 --")}=1`, unknown: true });
		cases.push({ rt, q: '%ff=1', unknown: true });
		cases.push({ rt, q: 'a'.repeat(3000) + '=1', unknown: true });
		if (names.length) cases.push({ rt, q: `${names[0]}=1&${names[0]}=2`, unknown: true });
	}
	await pool(cases, PARALLEL, async ({ rt, q, v, unknown, filter }) => {
		const p = `${fill(rt.path)}?${q}`;
		const r = await send(callerFor(rt), rt.method, p, neutralBody(rt));
		const what = `${rt.method} ${p.slice(0, 120)}`;
		if (unknown || rt.method !== 'GET') return void assertRefused(r, what);
		assert.ok(r.status < 500, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
		if (r.status >= 400) return void assertRefused(r, what);
		if (filter && MATCH_NOTHING.has(v)) {
			const body = JSON.parse(r.text);
			const items = Array.isArray(body) ? body : body.items;
			if (Array.isArray(items) && !rt.path.startsWith('/open311/'))
				assert.equal(items.length, 0, `${what} matched ${items.length} items`);
		}
	});
	await unchanged(t, 'query strings');
});

test('malformed, mistyped, oversized and injected JSON bodies get a 4xx on every endpoint', async (t) => {
	const cases = [];
	for (const rt of routes) {
		if (rt.body) {
			for (const b of [...BAD_JSON, ...BAD_BYTES]) cases.push({ rt, body: b });
			// Every declared member at once with each hostile value, plus an unknown member.
			const names = Object.keys(rt.body.properties ?? {});
			for (const v of FIELD_VALUES) cases.push({ rt, body: `{${names.map((n) => `${JSON.stringify(n)}:${v}`).concat(POISON).join(',')}}` });
			// Each member alone with a wrong type next to the unknown member.
			for (const n of names) cases.push({ rt, body: `{${JSON.stringify(n)}:{"$gt":""},${POISON}}` });
			for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data; boundary=x'])
				cases.push({ rt, body: '{}', type });
			cases.push({ rt, body: `{"a":"${'x'.repeat(70000)}"}`, tooLarge: true });
		} else if (!rt.upload && !rt.form) {
			cases.push({ rt, body: '{"a":1}' }); // a body where none is taken
		}
	}
	await pool(cases, PARALLEL, async ({ rt, body, type, tooLarge }) => {
		const headers = type ? { 'Content-Type': type } : {};
		const r = await send(callerFor(rt), rt.method, fill(rt.path), { body, raw: true, headers });
		assertRefused(r, `${rt.method} ${rt.path} body ${String(body).slice(0, 60)}${type ? ` as ${type}` : ''}`, tooLarge ? [413] : undefined);
	});
	// Uploads: an empty one and one past upload_max.
	for (const rt of routes.filter((r) => r.upload)) {
		for (const [body, allowed] of [
			['', [400, 415, 422]],
			['x'.repeat(140000), [413]],
		]) {
			const r = await send(callerFor(rt), rt.method, fill(rt.path), {
				body,
				raw: true,
				headers: { 'Content-Type': 'text/csv' },
			});
			assertRefused(r, `${rt.method} ${rt.path} upload of ${body.length} bytes`, allowed);
		}
	}
	await unchanged(t, 'JSON bodies');
});

test('hostile Open311 forms are refused with Open311 errors', async (t) => {
	const form = (fields) => Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('&');
	const inject = encodeURIComponent("' OR '1'='1' --");
	const ok = { api_key: D.apiKey, service_code: 'stairwell_lighting', lat: '30.63', long: '114.39', description: 'x' };
	const bodies = [
		'',
		form({ service_code: 'stairwell_lighting', description: 'no key' }),
		form({ ...ok, api_key: hex(32) }),
		form({ ...ok, api_key: inject }),
		form({ ...ok, service_code: inject }),
		form({ ...ok, service_code: '%00' }),
		form({ ...ok, lat: '1e400' }),
		form({ ...ok, lat: 'NaN', long: '-Infinity' }),
		form({ ...ok, lat: '91', long: '181' }),
		form({ ...ok, lat: '-0', long: '18446744073709551616' }),
		form({ ...ok, lat: '30.6' + '3'.repeat(40) }),
		form({ ...ok, address_id: inject, lat: '', long: '' }),
		form({ ...ok, media_url: encodeURIComponent('javascript:alert(1)') }),
		form({ ...ok, description: 'x'.repeat(4001) }),
		form({ ...ok, email: 'a'.repeat(300) }),
		`${form(ok)}&service_code=noise`, // a repeated field
		form({ ...ok, description: '%ff%fe' }),
		form({ ...ok, '%ff': '1' }),
		form({ ...ok, description: '%' }),
		'&&&===&&&',
		'a'.repeat(60000),
		'%'.repeat(1000),
	];
	const cases = [];
	for (const b of bodies) for (const res of ['requests.json', 'requests.xml']) cases.push({ b, res });
	cases.push({ b: form(ok), res: 'requests.json', type: 'application/json' });
	cases.push({ b: form(ok), res: 'requests.json', query: `api_key=${D.apiKey}` });
	cases.push({ b: form(ok), res: 'services.json' });
	cases.push({ b: form(ok), res: 'requests' });
	cases.push({ b: form(ok), res: `requests.json${encodeURIComponent("'--")}` });
	cases.push({ b: 'x'.repeat(70000), res: 'requests.json', tooLarge: true });
	await pool(cases, PARALLEL, async ({ b, res, type, query, tooLarge }) => {
		const p = `/open311/v2/${res}${query ? `?${query}` : ''}`;
		const r = await send(srv.client(), 'POST', p, {
			body: b,
			raw: true,
			headers: { 'Content-Type': type ?? 'application/x-www-form-urlencoded' },
		});
		assertRefused(r, `POST ${p} ${b.slice(0, 80)}`, tooLarge ? [413] : undefined);
	});
	await unchanged(t, 'Open311 forms');
});

test("another community's records are out of reach on every endpoint that names them", async (t) => {
	const ids = { households: D.household, residents: D.resident, 'work-orders': D.order };
	const cases = [];
	for (const rt of routes) {
		const m = /^\/api\/v1\/(households|residents|work-orders)\/\{id\}/.exec(rt.path);
		if (!m) continue;
		const p = fill(rt.path, 0, String(ids[m[1]]));
		for (const u of ['staffB', 'resA', 'sec', 'aud']) cases.push({ rt, p, u });
	}
	assert.ok(cases.length >= 20, `${cases.length} cases`);
	// Lists filtered to the other community, and records created there.
	const lists = routes.filter((r) => r.method === 'GET' && r.list && r.permission != null);
	await pool(cases, PARALLEL, async ({ rt, p, u }) => {
		const body = rt.body ? { body: '{}', raw: true } : neutralBody(rt);
		const r = await send(users[u], rt.method, p, body);
		// 404 as if missing, 403 for a role without the permission, 422 for a body refused first.
		assertRefused(r, `${u}: ${rt.method} ${p}`, [403, 404, 422]);
	});
	await pool(lists, PARALLEL, async (rt) => {
		const r = await send(users.staffB, 'GET', `${fill(rt.path)}?area=${A}`);
		assertRefused(r, `staffB: GET ${rt.path}?area=${A}`, [403, 422]);
	});
	for (const [p, body] of [
		['/api/v1/households', { area_code: A, unit: '9', room: '909' }],
		['/api/v1/residents', { name: '越界', household_id: D.household, relation: 'head' }],
		['/api/v1/residents', { name: '越界', area_code: A, document_type: 'none' }],
		['/api/v1/work-orders', { category: 'noise', description: '越界', area_code: A }],
	]) {
		const r = await send(users.staffB, 'POST', p, { body });
		assertRefused(r, `staffB: POST ${p} in A`, [403, 404, 422]);
	}
	// Community A's own staff still see them: the refusals were about scope, not missing records.
	assert.equal((await users.staffA.get(`/api/v1/residents/${D.resident}`)).status, 200);
	await unchanged(t, 'cross-area requests');
});

test('path traversal never reaches a file outside the web root', async (t) => {
	for (const p of STATIC_PATHS) {
		requests++;
		const r = await rawSocket(srv, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeout: 10000 });
		assert.ok(!r.text.includes(SECRET), `${p} served the secret file`);
		assert.ok(r.status != null && r.status < 500, `${p}: ${r.text.slice(0, 120)}`);
		assert.ok(r.status === 200 ? /<title>app<\/title>/.test(r.text) : r.status >= 400, `${p}: ${r.status}`);
	}
	// Raw NUL and control bytes in the path.
	for (const p of ['/index.html\0/../../secret.txt', '/\x01', '/api/v1/me\0', '/a b']) {
		requests++;
		const r = await rawSocket(srv, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeout: 10000 });
		assert.ok(!r.text.includes(SECRET), `${JSON.stringify(p)} served the secret file`);
		assert.ok(r.status == null ? r.closed : r.status < 500, `${JSON.stringify(p)}: ${r.text.slice(0, 120)}`);
	}
	await unchanged(t, 'path traversal');
});

test('malformed HTTP is refused or closed, and the server keeps answering', async (t) => {
	const cookie = `doorstep_session=${users.aud.cookie}`;
	const post = (extra, body = '') =>
		`POST /api/v1/audit/exports HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nX-CSRF-Token: ${users.aud.csrf}\r\nContent-Type: application/json\r\n${extra}\r\n${body}`;
	const cases = [
		['many headers', `GET /api/v1/me HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, [431]],
		['one huge header', `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`, [431]],
		['a huge cookie', `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nCookie: ${'doorstep_session=a; '.repeat(1000)}\r\n\r\n`, [431]],
		['a huge URL', `GET /api/v1/residents?q=${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`, [414, 431]],
		['two Content-Lengths', post('Content-Length: 2\r\nContent-Length: 40\r\n', '{}' + ' '.repeat(38)), [400]],
		['Content-Length with chunked', post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), [400]],
		['a bad chunk size', post('Transfer-Encoding: chunked\r\n', 'zz\r\nabc\r\n0\r\n\r\n'), [400]],
		['a chunk size overflowing', post('Transfer-Encoding: chunked\r\n', 'ffffffffffffffffff\r\nabc\r\n0\r\n\r\n'), [400, 413]],
		['a negative Content-Length', post('Content-Length: -1\r\n'), [400, 413]],
		['a Content-Length of 2^64', post('Content-Length: 18446744073709551616\r\n'), [400, 413]],
		['a Content-Length of 1e9', post('Content-Length: 1000000000\r\n'), [413]],
		['a Content-Length with junk', post('Content-Length: 12abc\r\n'), [400, 413]],
		['chunks past body_max', post('Transfer-Encoding: chunked\r\n', `10000\r\n${'a'.repeat(65536)}\r\n10000\r\n${'a'.repeat(65536)}\r\n0\r\n\r\n`), [413]],
		['HTTP/0.9', 'GET /api/v1/me\r\n\r\n', [400]],
		['HTTP/9.9', 'GET /api/v1/me HTTP/9.9\r\nHost: x\r\n\r\n', [400, 505]],
		['HTTP/1.1 without Host', 'GET /api/v1/me HTTP/1.1\r\n\r\n', [400, 401]],
		['a header without a colon', 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n', [400, 401]],
		['a header name with spaces', 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n', [400, 401]],
		['a NUL in a header', 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', [400, 401]],
		['an absolute-form target', 'GET http://evil.example/api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n', [400, 401, 404]],
		['an asterisk target', 'GET * HTTP/1.1\r\nHost: x\r\n\r\n', [400, 404]],
		['an empty request line', '\r\n\r\nGET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n', [400, 401]],
		['garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 junk\r\n\r\n', null],
	];
	for (const [what, data, allowed] of cases) {
		requests++;
		const r = await rawSocket(srv, data, { timeout: 10000, untilStatus: true });
		if (r.status == null) {
			assert.ok(r.closed, `${what}: neither an answer nor a closed connection`);
			continue;
		}
		assert.ok(allowed == null || allowed.includes(r.status), `${what}: ${r.text.slice(0, 200)}`);
	}
	// A body shorter than its Content-Length, then the client goes away.
	requests++;
	await rawSocket(srv, post('Content-Length: 100\r\n', '{"action":'), { timeout: 300 });
	await unchanged(t, 'malformed HTTP');
});

test('a client trickling its headers is cut off by connection_timeout', async () => {
	const slow = await startServer({ set: { connection_timeout: 1 } });
	try {
		const t0 = Date.now();
		const closed = await new Promise((resolve) => {
			const s = net.connect(slow.port, slow.host);
			const req = `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Slow: 1\r\n'.repeat(100)}\r\n`;
			let i = 0;
			let answer = '';
			const timer = setInterval(() => i < req.length && s.write(req[i++]), 200);
			s.on('data', (d) => (answer += d));
			s.on('error', () => {});
			s.on('close', () => {
				clearInterval(timer);
				resolve({ ms: Date.now() - t0, answer });
			});
			setTimeout(() => s.destroy(), 20000);
		});
		assert.equal(closed.answer, '', 'no answer to a request never finished');
		// One second for the headers, checked once a second, with room for a busy machine.
		assert.ok(closed.ms < 8000, `closed after ${closed.ms} ms`);
		// The same client, idle after a request on a kept-alive connection, is cut too.
		const idle = await rawSocket(slow, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeout: 15000 });
		assert.equal(idle.status, 200);
		assert.equal(idle.closed, true, 'the idle connection was closed');
		const h = await rawSocket(slow, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeout: 10000 });
		assert.equal(h.status, 200, 'still answering');
	} finally {
		await slow.stop();
	}
});

test('the count of hostile requests', (t) => {
	t.diagnostic(`${requests} hostile requests against ${routes.length} endpoints`);
	assert.ok(requests > 1000);
});
