// A small HTTP client for load runs: a session cookie and CSRF token that
// survive server restarts (sessions are stored), one keep-alive agent per
// server run, and a network failure as an exception the caller classifies as
// "no answer" (the write may or may not have happened).
import http from 'node:http';

/** Where the clients send requests; point() moves them all to a restarted server. */
export class Target {
	constructor(url) {
		this.agent = null;
		this.point(url);
	}

	point(url) {
		this.agent?.destroy();
		const u = new URL(url);
		this.url = url;
		this.host = u.hostname;
		this.port = Number(u.port);
		this.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
	}

	close() {
		this.agent?.destroy();
		this.agent = null;
	}
}

/** A request that got no HTTP answer (refused, reset, timed out). */
export class NoAnswer extends Error {}

export class Client {
	constructor(target, username, password) {
		Object.assign(this, { target, username, password });
		this.cookie = null;
		this.csrf = null;
		this.user = null;
		this.relogins = 0;
	}

	async login() {
		this.cookie = null;
		const r = await this.req('POST', '/api/v1/session', { username: this.username, password: this.password }, {
			relogin: false,
		});
		if (r.status !== 200) throw new Error(`login ${this.username}: ${r.status} ${r.text.slice(0, 200)}`);
		this.csrf = r.json.csrf_token;
		this.user = r.json.user;
		return r;
	}

	/** One request; a 401 (session gone) logs in again and repeats it once. */
	async req(method, p, body, { headers = {}, relogin = true, timeout = 60000 } = {}) {
		const r = await this.once(method, p, body, headers, timeout);
		if (r.status === 401 && relogin && this.password) {
			this.relogins++;
			await this.login();
			return this.once(method, p, body, headers, timeout);
		}
		return r;
	}

	get(p, opts) {
		return this.req('GET', p, undefined, opts);
	}
	post(p, body, opts) {
		return this.req('POST', p, body, opts);
	}

	once(method, p, body, extra, timeout) {
		const t = this.target;
		const h = { ...extra };
		let data;
		if (body !== undefined) {
			data = JSON.stringify(body);
			h['Content-Type'] = 'application/json';
			h['Content-Length'] = Buffer.byteLength(data);
		}
		if (this.cookie) h.Cookie = `doorstep_session=${this.cookie}`;
		if (this.csrf && method !== 'GET') h['X-CSRF-Token'] = this.csrf;
		return new Promise((resolve, reject) => {
			if (t.agent == null) return reject(new NoAnswer('no server'));
			const req = http.request({ host: t.host, port: t.port, method, path: p, headers: h, agent: t.agent }, (res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let json;
					if (/json/.test(res.headers['content-type'] ?? '') && text) {
						try {
							json = JSON.parse(text);
						} catch {
							return reject(new Error(`${method} ${p}: ${res.statusCode} with invalid JSON`));
						}
					}
					for (const c of [].concat(res.headers['set-cookie'] ?? [])) {
						const m = /^doorstep_session=([^;]*)/.exec(c);
						if (m) this.cookie = m[1] || null;
					}
					resolve({ status: res.statusCode, headers: res.headers, json, text });
				});
				res.on('error', (e) => reject(new NoAnswer(`${method} ${p}: ${e.message}`)));
				res.on('aborted', () => reject(new NoAnswer(`${method} ${p}: aborted`)));
			});
			req.setTimeout(timeout, () => req.destroy(new Error('timed out')));
			req.on('error', (e) => reject(new NoAnswer(`${method} ${p}: ${e.message}`)));
			req.end(data);
		});
	}
}
