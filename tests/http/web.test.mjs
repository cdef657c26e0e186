// Static files of the web app: MIME types, precompressed files, caching, the
// index.html fallback, and path traversal.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';

import { rawSocket, startServer, tempDir } from './lib/server.mjs';

const CSP =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const INDEX = '<!doctype html><html><head><title>家门口</title></head><body><div id="app"></div></body></html>\n';
const APP = 'console.log("doorstep app");\n'.repeat(20);
const CSS = 'body { color: #333; }\n';
const SECRET = 'TOP-SECRET-OUTSIDE-THE-WEB-DIR';

let srv;
let dir;
before(async () => {
	dir = tempDir();
	const web = path.join(dir, 'web');
	fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
	fs.writeFileSync(path.join(web, 'index.html'), INDEX);
	fs.writeFileSync(path.join(web, 'assets', 'app-3f9a2c.js'), APP);
	fs.writeFileSync(path.join(web, 'assets', 'app-3f9a2c.js.gz'), zlib.gzipSync(APP));
	fs.writeFileSync(path.join(web, 'assets', 'style-77aa.css'), CSS);
	fs.writeFileSync(path.join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
	fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET);
	fs.writeFileSync(path.join(dir, 'web-secret.txt'), SECRET); // shares the web dir's name as a prefix
	fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(web, 'link.txt'));
	fs.symlinkSync(dir, path.join(web, 'up'));
	srv = await startServer({ dir, args: ['--web', web] });
});
after(() => srv?.stop());

/** GET with exact bytes on the request line; resolves {status, headers, body}. */
async function get(target, headers = '') {
	const r = await rawSocket(srv, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`);
	const end = r.text.indexOf('\r\n\r\n');
	const head = end >= 0 ? r.text.slice(0, end) : r.text;
	const hdrs = {};
	for (const line of head.split('\r\n').slice(1)) {
		const i = line.indexOf(':');
		hdrs[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
	}
	return { status: r.status, headers: hdrs, body: Buffer.from(end >= 0 ? r.text.slice(end + 4) : '', 'latin1') };
}

test('files are served with their MIME types and security headers', async () => {
	const cases = [
		['/index.html', /^text\/html/, INDEX],
		['/assets/app-3f9a2c.js', /^(text|application)\/javascript/, APP],
		['/assets/style-77aa.css', /^text\/css/, CSS],
		['/favicon.svg', /^image\/svg\+xml/, null],
	];
	for (const [p, type, content] of cases) {
		const r = await get(p);
		assert.equal(r.status, 200, p);
		assert.match(r.headers['content-type'], type, p);
		if (content) assert.equal(r.body.toString('utf8'), content, p);
		assert.equal(r.headers['content-security-policy'], CSP, p);
		assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
		assert.ok(r.headers['referrer-policy'], p);
		assert.equal(r.headers['content-encoding'], undefined, `${p} not compressed unless asked`);
	}
	const root = await get('/');
	assert.equal(root.status, 200);
	assert.equal(root.body.toString('utf8'), INDEX);
});

test('the gzip twin is sent when the client accepts gzip', async () => {
	const r = await get('/assets/app-3f9a2c.js', 'Accept-Encoding: br, gzip, deflate\r\n');
	assert.equal(r.status, 200);
	assert.equal(r.headers['content-encoding'], 'gzip');
	assert.match(r.headers['content-type'], /javascript/, 'the type of the original file');
	assert.match(r.headers.vary ?? '', /accept-encoding/i);
	assert.equal(zlib.gunzipSync(r.body).toString('utf8'), APP);
	const plain = await get('/assets/app-3f9a2c.js', 'Accept-Encoding: identity\r\n');
	assert.equal(plain.headers['content-encoding'], undefined);
	assert.equal(plain.body.toString('utf8'), APP);
	// A file without a twin is sent as it is.
	const css = await get('/assets/style-77aa.css', 'Accept-Encoding: gzip\r\n');
	assert.equal(css.headers['content-encoding'], undefined);
	assert.equal(css.body.toString('utf8'), CSS);
});

test('hashed assets are cached for a year; index.html is not', async () => {
	const a = await get('/assets/app-3f9a2c.js');
	assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable');
	const i = await get('/index.html');
	assert.doesNotMatch(i.headers['cache-control'] ?? '', /immutable|max-age=[1-9]/);
	const fallback = await get('/some/page');
	assert.doesNotMatch(fallback.headers['cache-control'] ?? '', /immutable|max-age=[1-9]/);
});

test('unknown non-API paths fall back to index.html; missing assets and API paths do not', async () => {
	for (const p of ['/login', '/users/42', '/audit?from=2026-01-01', '/zh-CN/settings/']) {
		const r = await get(p);
		assert.equal(r.status, 200, p);
		assert.match(r.headers['content-type'], /^text\/html/, p);
		assert.equal(r.body.toString('utf8'), INDEX, p);
	}
	const asset = await get('/assets/missing-123.js');
	assert.equal(asset.status, 404);
	assert.notEqual(asset.body.toString('utf8'), INDEX);
	for (const p of ['/api/v1/nothing', '/api/nothing']) {
		const api = await get(p);
		assert.equal(api.status, 404, p);
		assert.match(api.headers['content-type'], /^application\/problem\+json/, p);
	}
	const healthz = await get('/healthz');
	assert.equal(healthz.status, 200);
	assert.match(healthz.headers['content-type'], /json/);
});

test('path traversal never reaches a file outside the web directory', async () => {
	const attempts = [
		'/../secret.txt',
		'/../../../../etc/passwd',
		'/%2e%2e/secret.txt',
		'/%2e%2e/%2e%2e/etc/passwd',
		'/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
		'/assets/../../secret.txt',
		'/assets/..%2f..%2fsecret.txt',
		'/assets/..%2f..%2fmeson.build',
		'/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
		'/%2e%2e%2fsecret.txt',
		'/..%5csecret.txt',
		'/..\\secret.txt',
		'/assets\\..\\..\\secret.txt',
		'/%252e%252e/secret.txt',
		'/..%c0%afsecret.txt',
		'/.%2e/secret.txt',
		'/index.html%00/../../secret.txt',
		'/secret.txt%00.js',
		'/%00../secret.txt',
		'/link.txt',
		'/up/secret.txt',
		'/up/web-secret.txt',
		'/./../secret.txt',
		'//etc/passwd',
		'/../web-secret.txt',
		'/%2e%2e/web-secret.txt',
	];
	for (const p of attempts) {
		const r = await get(p);
		const body = r.body.toString('latin1');
		assert.ok(!body.includes(SECRET), `${p} served a file outside the web dir`);
		assert.ok(!/root:.*:0:0:/.test(body), `${p} served /etc/passwd`);
		assert.ok(!body.includes("project('doorstep'") && !body.includes('project(\'doorstep'), `${p} served meson.build`);
		assert.ok(r.status !== null, `${p}: the server answered`);
		if (r.status === 200) assert.equal(r.body.toString('utf8'), INDEX, `${p}: only index.html may answer 200`);
		else assert.ok([400, 403, 404].includes(r.status), `${p}: ${r.status}`);
	}
	assert.equal((await get('/healthz')).status, 200, 'the server is fine');
});
