// A Doorstep server on a fresh database in a fresh temporary directory, and a
// small HTTP client that checks every /api/v1 JSON response against the
// server's own OpenAPI description.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.resolve(ROOT, process.env.DOORSTEP_BIN || 'build-test/doorstep');

// Passwords that satisfy the policy (10+ characters, 3 of 4 classes, not common).
export const PW = 'Qingshan-2026-ok';
export const PW2 = 'Heping-Road#88x';

/** Run the doorstep binary with args; resolves {code, signal, stdout, stderr}. */
export function run(args, { input, env, timeout = 30000 } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
		child.stdin.on('error', () => {});
		child.stdin.end(input ?? '');
	});
}

/** A fresh temporary directory, removed at process exit. */
export function tempDir(prefix = 'doorstep-http-') {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
	return dir;
}

/** `doorstep user add`; throws unless it exits 0. */
export async function addUser(db, { username, role, area = '420107', password = PW, key }) {
	const args = ['user', 'add', '--db', db, '--username', username, '--role', role, '--area', area, '--password-stdin'];
	if (key) args.push('--key', key);
	const r = await run(args, { input: password + '\n' });
	assert.equal(r.code, 0, `user add ${username} ${role}@${area} failed (${r.code}): ${r.stderr}`);
	return r;
}

/**
 * Start a server. Options:
 *   users: [{username, role, area, password}] created first with `doorstep user add`
 *   set: {name: value} passed as --set name=value
 *   args: extra arguments (e.g. ['--trust-proxy'], ['--web', dir])
 *   dir, db, key: reuse a directory, database file or key file
 */
export async function startServer({ users = [], set = {}, args = [], dir, db, key, env } = {}) {
	dir = dir ?? tempDir();
	db = db ?? path.join(dir, 'doorstep.db');
	for (const u of users) await addUser(db, { ...u, key });
	const argv = ['serve', '--db', db, '--listen', '127.0.0.1:0'];
	if (key) argv.push('--key', key);
	for (const [k, v] of Object.entries(set)) argv.push('--set', `${k}=${v}`);
	argv.push(...args);
	const proc = spawn(BIN, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	let stdout = '';
	proc.stderr.on('data', (d) => (stderr += d));
	const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
	const url = await new Promise((resolve, reject) => {
		const onData = (d) => {
			stdout += d;
			const nl = stdout.indexOf('\n');
			if (nl < 0) return;
			const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(stdout.slice(0, nl));
			proc.stdout.off('data', onData);
			proc.stdout.resume();
			if (m) resolve(m[1]);
			else reject(new Error(`unexpected first line ${JSON.stringify(stdout.slice(0, nl))}\n${stderr}`));
		};
		proc.stdout.on('data', onData);
		exited.then(({ code, signal }) =>
			reject(new Error(`doorstep serve exited (${code ?? signal}) before listening:\n${stderr}`)),
		);
	});
	const srv = new Server({ proc, url, dir, db, key: key ?? db + '.key', exited, stderr: () => stderr });
	return srv;
}

class Server {
	constructor({ proc, url, dir, db, key, exited, stderr }) {
		Object.assign(this, { proc, url, dir, db, key, exited, stderr });
		const u = new URL(url);
		this.host = u.hostname;
		this.port = Number(u.port);
		this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
		this.stopped = false;
		this.validator = null;
	}

	/** A new client (its own cookie and CSRF token). */
	client() {
		return new Client(this);
	}

	/** A client logged in as username; asserts the login succeeded. */
	async login(username, password = PW) {
		const c = this.client();
		const r = await c.login(username, password);
		assert.equal(r.status, 200, `login ${username}: ${r.status} ${r.text}`);
		return c;
	}

	/** Run the doorstep binary against this server's database. */
	cli(args, opts) {
		return run(args, opts);
	}

	/** Set the server's application clock (a Date, epoch ms or ISO text). */
	async setClock(when) {
		const iso = new Date(when).toISOString().replace(/\.\d{3}Z$/, 'Z');
		const r = await this.client().req('PUT', '/test/clock', { body: { now: iso } });
		assert.equal(r.status, 200, `PUT /test/clock: ${r.status} ${r.text}`);
		return Date.parse(r.json.now);
	}

	async tick() {
		const r = await this.client().req('POST', '/test/tick');
		assert.equal(r.status, 204, `POST /test/tick: ${r.status} ${r.text}`);
	}

	/** The compiled OpenAPI validator, fetched once per server. */
	async openapi() {
		if (this.validator == null) {
			this.validator = (async () => {
				const r = await rawRequest(this, 'GET', '/api/openapi.json', {});
				assert.equal(r.status, 200, 'GET /api/openapi.json');
				return new OpenApiValidator(JSON.parse(r.text));
			})();
		}
		return this.validator;
	}

	/** SIGTERM, then assert a clean exit (code 0); prints stderr otherwise. */
	async stop() {
		if (this.stopped) return;
		this.stopped = true;
		this.agent.destroy();
		this.proc.kill('SIGTERM');
		const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20000);
		const { code, signal } = await this.exited;
		clearTimeout(timer);
		if (code !== 0) {
			process.stderr.write(`--- doorstep serve stderr (exit ${code ?? signal}) ---\n${this.stderr()}\n---\n`);
		}
		assert.equal(code, 0, `doorstep serve exited with ${code ?? signal} after SIGTERM`);
	}
}

/** One HTTP request with node:http (no automatic headers, no decompression). */
function rawRequest(srv, method, p, { headers = {}, body, agent }) {
	return new Promise((resolve, reject) => {
		const req = http.request(
			{ host: srv.host, port: srv.port, method, path: p, headers, agent: agent ?? srv.agent },
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const buf = Buffer.concat(chunks);
					resolve({ status: res.statusCode, headers: res.headers, buffer: buf, text: buf.toString('utf8') });
				});
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		if (body != null) req.end(body);
		else req.end();
	});
}

export class Client {
	constructor(srv) {
		this.srv = srv;
		this.cookie = null;
		this.csrf = null;
		this.user = null;
	}

	/** POST /api/v1/session; keeps the cookie and CSRF token on success. */
	async login(username, password, { headers } = {}) {
		const r = await this.req('POST', '/api/v1/session', { body: { username, password }, headers });
		if (r.status === 200) {
			this.csrf = r.json.csrf_token;
			this.user = r.json.user;
		}
		return r;
	}

	async logout() {
		return this.req('DELETE', '/api/v1/session');
	}

	/**
	 * A request. body: a value sent as JSON, or with raw: true a string/Buffer sent as is.
	 * headers: extra headers (a header set to null is not sent). csrf: false leaves X-CSRF-Token out.
	 * Resolves {status, headers, json, text, buffer}.
	 */
	async req(method, p, { body, headers = {}, raw = false, csrf = true, cookie = true } = {}) {
		const h = {};
		let data;
		if (body !== undefined) {
			data = raw ? body : JSON.stringify(body);
			h['Content-Type'] = 'application/json';
		}
		if (cookie && this.cookie) h.Cookie = `doorstep_session=${this.cookie}`;
		if (csrf && this.csrf && method !== 'GET') h['X-CSRF-Token'] = this.csrf;
		for (const [k, v] of Object.entries(headers)) {
			for (const old of Object.keys(h)) if (old.toLowerCase() === k.toLowerCase()) delete h[old];
			if (v != null) h[k] = v;
		}
		if (data !== undefined) h['Content-Length'] = Buffer.byteLength(data);
		const r = await rawRequest(this.srv, method, p, { headers: h, body: data });
		const type = r.headers['content-type'] ?? '';
		r.json = undefined;
		if (/^application\/([a-z.+-]*\+)?json\b/.test(type) && r.buffer.length > 0) {
			try {
				r.json = JSON.parse(r.text);
			} catch (e) {
				assert.fail(`${method} ${p}: ${r.status} answered invalid JSON: ${r.text.slice(0, 200)}`);
			}
		}
		for (const c of [].concat(r.headers['set-cookie'] ?? [])) {
			const m = /^doorstep_session=([^;]*)/.exec(c);
			if (m) this.cookie = m[1] || null;
		}
		if (r.status >= 400 && p.startsWith('/api')) assertNoInternals(r);
		if (p.startsWith('/api/v1')) (await this.srv.openapi()).check(method, p, r);
		return r;
	}

	get(p, opts) {
		return this.req('GET', p, opts);
	}
	post(p, body, opts) {
		return this.req('POST', p, { ...opts, body });
	}
	put(p, body, opts) {
		return this.req('PUT', p, { ...opts, body });
	}
	delete(p, opts) {
		return this.req('DELETE', p, opts);
	}
}

/** Validates responses against the operations of an OpenAPI 3.1 document. */
class OpenApiValidator {
	constructor(doc) {
		this.doc = doc;
		this.ajv = new Ajv2020({ strict: false, allErrors: true });
		addFormats(this.ajv);
		const fix = (v) => {
			if (Array.isArray(v)) return v.map(fix);
			if (v && typeof v === 'object') {
				const o = {};
				for (const [k, x] of Object.entries(v)) {
					o[k] =
						k === '$ref' && typeof x === 'string' && x.startsWith('#/components/schemas/')
							? 'urn:doorstep:schema:' + x.slice('#/components/schemas/'.length)
							: fix(x);
				}
				return o;
			}
			return v;
		};
		this.fix = fix;
		for (const [name, s] of Object.entries(doc.components?.schemas ?? {}))
			this.ajv.addSchema({ ...fix(s), $id: 'urn:doorstep:schema:' + name });
		// Literal paths before templated ones, so /users/me would win over /users/{id}.
		this.ops = Object.keys(doc.paths ?? {})
			.map((t) => ({
				template: t,
				params: (t.match(/\{/g) ?? []).length,
				re: new RegExp('^' + t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]*\\?\}/g, '[^/]+') + '$'),
			}))
			.sort((a, b) => a.params - b.params);
		this.cache = new Map();
	}

	/** The path template of an /api/v1 path, or null. */
	template(p) {
		const bare = p.split('?')[0];
		return this.ops.find((o) => o.re.test(bare))?.template ?? null;
	}

	validator(key, schema) {
		if (!this.cache.has(key)) this.cache.set(key, this.ajv.compile(this.fix(schema)));
		return this.cache.get(key);
	}

	check(method, p, r) {
		const where = `${method} ${p} → ${r.status}`;
		const template = this.template(p);
		const op = template ? this.doc.paths[template][method.toLowerCase()] : undefined;
		if (r.status === 204) {
			assert.equal(r.buffer.length, 0, `${where}: a 204 must have no body`);
			if (op) assert.ok(op.responses?.['204'], `${where}: 204 is not a documented response`);
			return;
		}
		if (r.json === undefined) return; // only JSON bodies are checked
		let schema;
		let key;
		if (op) {
			const resp = op.responses?.[String(r.status)] ?? (r.status >= 400 ? op.responses?.default : undefined);
			assert.ok(resp, `${where}: status ${r.status} is not documented for ${method} ${template}`);
			const content = resp.content ?? {};
			const type = (r.headers['content-type'] ?? '').split(';')[0].trim();
			const media = content[type];
			assert.ok(media, `${where}: content type ${type} is not documented (has ${Object.keys(content)})`);
			schema = media.schema;
			key = `${template} ${method} ${r.status} ${type}`;
		} else {
			// No operation (unknown path or method): only a problem is possible.
			assert.ok(r.status >= 400, `${where}: a success from an undocumented operation`);
			schema = { $ref: '#/components/schemas/Problem' };
			key = 'problem';
		}
		if (r.status >= 400) {
			assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/, `${where}: errors are problem+json`);
		}
		const validate = this.validator(key, schema);
		if (!validate(r.json)) {
			assert.fail(
				`${where}: the body does not match the OpenAPI schema: ${this.ajv.errorsText(validate.errors)}\n` +
					`body: ${r.text.slice(0, 500)}`,
			);
		}
	}
}

/**
 * Send raw bytes on a new TCP connection and collect what comes back until the
 * server closes or `timeout` ms pass. Resolves {text, status, closed}.
 */
export function rawSocket(srv, data, { timeout = 5000, untilStatus = false } = {}) {
	return new Promise((resolve) => {
		const sock = net.connect(srv.port, srv.host);
		let text = '';
		let done = false;
		const finish = (closed) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			sock.destroy();
			const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
			resolve({ text, status: m ? Number(m[1]) : null, closed });
		};
		const timer = setTimeout(() => finish(false), timeout);
		sock.on('data', (d) => {
			text += d.toString('latin1');
			// Stop once a whole response with its body is in, when asked to.
			if (untilStatus) {
				const end = text.indexOf('\r\n\r\n');
				const len = /\r\ncontent-length: *(\d+)/i.exec(text);
				if (end >= 0 && len && text.length >= end + 4 + Number(len[1])) finish(false);
			}
		});
		sock.on('error', () => finish(true));
		sock.on('close', () => finish(true));
		sock.write(data);
	});
}

/** Poll fn until it returns a truthy value (or throw after timeout ms). */
export async function eventually(fn, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
	const end = Date.now() + timeout;
	let last;
	for (;;) {
		last = await fn();
		if (last) return last;
		if (Date.now() > end) assert.fail(`timed out waiting for ${message}`);
		await new Promise((r) => setTimeout(r, interval));
	}
}

/** Assert r is an RFC 9457 problem with the status, and return its body. */
export function assertProblem(r, status, what = '') {
	assert.equal(r.status, status, `${what} expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
	assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/, `${what} content type`);
	const b = r.json;
	assert.equal(typeof b.type, 'string', 'problem.type');
	assert.equal(typeof b.title, 'string', 'problem.title');
	assert.equal(b.status, status, 'problem.status');
	assert.equal(typeof b.detail, 'string', 'problem.detail');
	assertNoInternals(r);
	if (status === 422) {
		assert.ok(Array.isArray(b.errors) && b.errors.length > 0, '422 has errors[]');
		for (const e of b.errors) {
			assert.equal(typeof e.field, 'string', 'errors[].field');
			assert.equal(typeof e.detail, 'string', 'errors[].detail');
		}
	}
	return b;
}

/** No SQL text, source or file paths in an error body. */
export function assertNoInternals(r) {
	const t = r.text;
	for (const re of [
		/\bSELECT\b|\bINSERT\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE FROM\b|sqlite|SQLITE_/i,
		/\/(tmp|work|home|usr|etc|root|var)\//,
		/\.c:\d+/,
		/\bsegfault|stack trace|backtrace|AddressSanitizer/i,
	])
		assert.doesNotMatch(t, re, `the error body leaks internals: ${t.slice(0, 300)}`);
}

/** A time as the test clock's ISO text. */
export function iso(ms) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Rows of an RFC 4180 CSV text (quotes, doubled quotes, CRLF). */
export function parseCsv(text) {
	const rows = [];
	let row = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"' && text[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (ch === '"') quoted = false;
			else cell += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ',') {
			row.push(cell);
			cell = '';
		} else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
			if (ch === '\r') i++;
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
		} else cell += ch;
	}
	if (cell !== '' || row.length) {
		row.push(cell);
		rows.push(row);
	}
	return rows;
}
