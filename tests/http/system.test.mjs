// The API as a whole: OpenAPI coverage, authentication on every route, routing
// errors, security headers, health and metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertProblem, eventually, startServer } from './lib/server.mjs';

const CSP =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

let srv;
before(async () => {
	srv = await startServer({ users: [{ username: 'sec', role: 'secadmin' }] });
});
after(() => srv?.stop());

async function routes() {
	const r = await srv.client().get('/test/routes');
	assert.equal(r.status, 200);
	return r.json.items;
}

test('the OpenAPI document is 3.1 and describes every /api/v1 route with its method', async () => {
	const r = await srv.client().get('/api/openapi.json');
	assert.equal(r.status, 200);
	assert.match(r.headers['content-type'], /^application\/json/);
	const doc = JSON.parse(r.text);
	assert.match(doc.openapi, /^3\.1\.\d+$/);
	assert.equal(typeof doc.info?.title, 'string');
	assert.ok(doc.components?.schemas?.Problem, 'a Problem schema for errors');
	const api = (await routes()).filter((x) => x.path.startsWith('/api/v1'));
	assert.ok(api.length >= 15, `the route table lists the platform's routes (${api.length})`);
	const missing = [];
	for (const rt of api) {
		const op = doc.paths?.[rt.path]?.[rt.method];
		if (!op) {
			missing.push(`${rt.method.toUpperCase()} ${rt.path}`);
			continue;
		}
		assert.ok(op.responses && Object.keys(op.responses).length > 0, `${rt.method} ${rt.path} has responses`);
		assert.ok(op.responses.default, `${rt.method} ${rt.path} documents its problem responses`);
	}
	assert.deepEqual(missing, [], 'routes missing from the OpenAPI document');
	// And nothing is described that the server does not route.
	for (const [p, item] of Object.entries(doc.paths)) {
		for (const m of Object.keys(item)) {
			if (!['get', 'post', 'put', 'patch', 'delete'].includes(m)) continue;
			assert.ok(
				api.some((x) => x.path === p && x.method === m),
				`${m.toUpperCase()} ${p} is described but not routed`,
			);
		}
	}
});

test('every /api/v1 route except login answers 401 without a session', async () => {
	const c = srv.client();
	const checked = [];
	for (const rt of await routes()) {
		if (!rt.path.startsWith('/api/v1')) continue;
		if (rt.method === 'post' && rt.path === '/api/v1/session') continue;
		const p = rt.path.replace(/\{[^}]+\}/g, '1');
		const method = rt.method.toUpperCase();
		const body = method === 'GET' || method === 'DELETE' ? undefined : {};
		const r = await c.req(method, p, { body });
		assertProblem(r, 401, `${method} ${p}`);
		assert.equal(r.headers['cache-control'], 'no-store', `${method} ${p} Cache-Control`);
		checked.push(`${method} ${p}`);
	}
	assert.ok(checked.length >= 15, `checked ${checked.length} routes`);
	// A forged cookie or bearer token is no session either.
	assertProblem(await c.get('/api/v1/me', { headers: { Cookie: 'doorstep_session=' + 'ab'.repeat(32) } }), 401);
	assertProblem(await c.get('/api/v1/me', { headers: { Cookie: 'doorstep_session=../../etc' } }), 401);
	assertProblem(await c.get('/api/v1/me', { headers: { Authorization: 'Bearer ' + 'cd'.repeat(32) } }), 401);
	assertProblem(await c.get('/api/v1/me', { headers: { Authorization: 'Basic c2VjOnNlYw==' } }), 401);
});

test('an unknown /api path is a 404 problem; a wrong method on a known path is 405', async () => {
	const anon = srv.client();
	const c = await srv.login('sec');
	for (const client of [anon, c]) {
		for (const p of ['/api/v1/nothing-here', '/api/v2/users', '/api/', '/api/v1/users/1/nothing']) {
			const b = assertProblem(await client.get(p), 404, p);
			assert.ok(!/<html/i.test(JSON.stringify(b)), 'not the web app');
		}
	}
	assertProblem(await c.req('PUT', '/api/v1/me', { body: {} }), 405, 'PUT /api/v1/me');
	assertProblem(await c.req('PATCH', '/api/v1/users', { body: {} }), 405, 'PATCH /api/v1/users');
	assertProblem(await c.req('DELETE', '/api/v1/areas'), 405, 'DELETE /api/v1/areas');
	assertProblem(await c.req('GET', '/api/v1/session'), 405, 'GET /api/v1/session');
	assertProblem(await anon.req('POST', '/api/v1/me', { body: {} }), 405, 'POST /api/v1/me');
});

test('security headers on API, error and health responses; no-store under /api/', async () => {
	const anon = srv.client();
	const c = await srv.login('sec');
	const cases = [
		[await anon.get('/healthz'), false],
		[await anon.get('/api/v1/me'), true],
		[await c.get('/api/v1/me'), true],
		[await c.get('/api/v1/areas'), true],
		[await anon.get('/api/v1/unknown'), true],
		[await anon.get('/api/openapi.json'), true],
	];
	for (const [r, api] of cases) {
		assert.equal(r.headers['content-security-policy'], CSP);
		assert.equal(r.headers['x-content-type-options'], 'nosniff');
		assert.ok(r.headers['referrer-policy'], 'Referrer-Policy is set');
		if (api) assert.equal(r.headers['cache-control'], 'no-store');
	}
});

test('GET /healthz answers ok', async () => {
	const r = await srv.client().get('/healthz');
	assert.equal(r.status, 200);
	assert.match(r.headers['content-type'], /^application\/json/);
	assert.equal(r.json.status, 'ok');
});

function series(text, name, labels) {
	let total = null;
	for (const line of text.split('\n')) {
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? ([0-9.eE+-]+|NaN|\+Inf)$/.exec(line);
		if (!m || m[1] !== name) continue;
		const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
		if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(m[4]);
	}
	return total;
}

test('/metrics is Prometheus text that counts requests by route and status', async () => {
	const anon = srv.client();
	const before = (await anon.get('/metrics')).text;
	const ok0 = series(before, 'doorstep_http_requests_total', { route: '/healthz', status: '200' }) ?? 0;
	const unauth0 = series(before, 'doorstep_http_requests_total', { route: '/api/v1/me', status: '401' }) ?? 0;
	await anon.get('/healthz');
	await anon.get('/healthz');
	await anon.get('/api/v1/me');
	await anon.get('/api/v1/zzz-client-chosen-path');
	const text = await eventually(
		async () => {
			const r = await anon.get('/metrics');
			assert.equal(r.status, 200);
			assert.match(r.headers['content-type'], /^text\/plain/);
			const ok = series(r.text, 'doorstep_http_requests_total', { route: '/healthz', status: '200' });
			const unauth = series(r.text, 'doorstep_http_requests_total', { route: '/api/v1/me', status: '401' });
			return ok >= ok0 + 2 && unauth >= unauth0 + 1 ? r.text : null;
		},
		{ message: 'the requests to appear in /metrics' },
	);
	assert.match(text, /^# TYPE doorstep_http_requests_total counter$/m);
	assert.match(text, /^# TYPE doorstep_http_request_duration_seconds histogram$/m);
	assert.ok(series(text, 'doorstep_http_request_duration_seconds_bucket', { le: '+Inf' }) > 0, 'histogram +Inf bucket');
	const count = series(text, 'doorstep_http_request_duration_seconds_count', {});
	assert.ok(count > 0, 'histogram count');
	assert.equal(series(text, 'doorstep_http_request_duration_seconds_bucket', { le: '+Inf' }), count);
	assert.ok(series(text, 'doorstep_http_request_duration_seconds_sum', {}) >= 0, 'histogram sum');
	assert.ok(series(text, 'doorstep_db_seconds_total', {}) >= 0, 'doorstep_db_seconds_total');
	// Buckets are cumulative.
	const buckets = [...text.matchAll(/^doorstep_http_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)];
	assert.ok(buckets.length >= 5, 'several latency buckets');
	for (let i = 1; i < buckets.length; i++) assert.ok(Number(buckets[i][2]) >= Number(buckets[i - 1][2]));
	// Route labels are patterns, never client text.
	assert.doesNotMatch(text, /zzz-client-chosen-path/);
});

test('the response check of the client rejects bodies that do not match the OpenAPI schema', async () => {
	const v = await srv.openapi();
	const fake = (status, json, type = 'application/json') => {
		const text = json === undefined ? '' : JSON.stringify(json);
		return { status, json, text, buffer: Buffer.from(text), headers: { 'content-type': type } };
	};
	const good = await (await srv.login('sec')).get('/api/v1/me');
	assert.doesNotThrow(() => v.check('GET', '/api/v1/me', good));
	assert.throws(() => v.check('GET', '/api/v1/me', fake(200, { ...good.json, extra: 1 })), /does not match/);
	assert.throws(() => v.check('GET', '/api/v1/me', fake(200, { csrf_token: 'x' })), /does not match/);
	assert.throws(() => v.check('GET', '/api/v1/users/7', fake(200, { id: '7' })), /does not match/);
	assert.throws(() => v.check('GET', '/api/v1/users', fake(200, { items: [{}], next_cursor: null })), /does not match/);
	assert.throws(() => v.check('GET', '/api/v1/me', fake(404, { status: 404 }, 'application/problem+json')), /does not match/);
	assert.throws(() => v.check('GET', '/api/v1/me', fake(201, { a: 1 })), /not documented/);
	assert.throws(() => v.check('DELETE', '/api/v1/session', fake(204, {})), /no body/);
	assert.doesNotThrow(() =>
		v.check('GET', '/api/v1/nothing', fake(404, { type: '/x', title: 't', status: 404, detail: 'd' }, 'application/problem+json')),
	);
});
