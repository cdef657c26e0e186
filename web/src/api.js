// The one module that talks to the Doorstep API (base /api/v1). Every call goes through request():
// fetch with the session cookie (same origin), X-CSRF-Token on every non-GET request except the
// login, JSON in and out (or a raw body such as a CSV file, see upload), and RFC 9457 problems
// turned into an ApiError.
//
// Global reactions (wired by main.js with setApiHandlers, so this module needs no router):
//   401 on any call except the login (and except calls made with {auth: false}) → unauthorized()
//   403 whose problem says the password must be changed first → mustChangePassword()

export const API_BASE = '/api/v1';

let csrfToken = null;
let handlers = { unauthorized() {}, mustChangePassword() {} };

/** The CSRF token from the login response or from GET /me (null after logout). */
export function setCsrfToken(token) {
	csrfToken = token || null;
}

export function setApiHandlers(h) {
	handlers = { ...handlers, ...h };
}

/** An API call that failed: status 0 means the server could not be reached. */
export class ApiError extends Error {
	constructor({ status, problem = null, retryAfter = null, cause }) {
		super(problem?.detail || problem?.title || (status ? `HTTP ${status}` : 'network error'), { cause });
		this.name = 'ApiError';
		this.status = status;
		this.problem = problem;
		/** Seconds from the Retry-After header (423 and 429), or null. */
		this.retryAfter = retryAfter;
	}

	/** The server's detail text, if it sent one. */
	get detail() {
		return this.problem?.detail || '';
	}

	/** The 422 field errors as {field: text}; several errors on one field are joined. */
	get fieldErrors() {
		const out = {};
		for (const e of this.problem?.errors ?? []) {
			if (!e || typeof e.field !== 'string') continue;
			const text = e.detail ?? e.message ?? '';
			out[e.field] = out[e.field] ? `${out[e.field]}; ${text}` : text;
		}
		return out;
	}

	get isNetwork() {
		return this.status === 0;
	}
}

/** True when a 403 problem means "change your password before anything else". */
export function isMustChangeProblem(problem) {
	if (!problem) return false;
	if (problem.must_change_password === true) return true;
	return /must[-_]change[-_]password/.test(String(problem.type ?? ''));
}

function parseRetryAfter(value) {
	if (value == null || value === '') return null;
	if (/^\d+$/.test(value.trim())) return Number(value.trim());
	const when = Date.parse(value);
	if (Number.isNaN(when)) return null;
	return Math.max(0, Math.round((when - Date.now()) / 1000));
}

function buildUrl(path, query) {
	let url = path.startsWith('/api/') ? path : API_BASE + path;
	if (query) {
		const params = new URLSearchParams();
		for (const [k, v] of Object.entries(query)) {
			if (v === undefined || v === null || v === '') continue;
			params.append(k, String(v));
		}
		const qs = params.toString();
		if (qs) url += (url.includes('?') ? '&' : '?') + qs;
	}
	return url;
}

/**
 * One API call. options: query (object; empty values are left out), body (sent as JSON),
 * raw (a Blob, File, ArrayBuffer or string sent as it is, with contentType; instead of body),
 * headers (extra request headers, e.g. {'Idempotency-Key': uuid}),
 * auth: false (a 401 is the caller's business: login, the first GET /me).
 * Resolves to the parsed JSON body (null for 204); rejects with ApiError.
 */
export async function request(method, path, { query, body, raw, contentType, headers: extra, auth = true, signal } = {}) {
	const headers = { ...extra, Accept: 'application/json' };
	if (raw !== undefined) headers['Content-Type'] = contentType || 'application/octet-stream';
	else if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
	let res;
	try {
		res = await fetch(buildUrl(path, query), {
			method,
			headers,
			body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin',
			cache: 'no-store',
			signal,
		});
	} catch (e) {
		if (e?.name === 'AbortError') throw e;
		throw new ApiError({ status: 0, cause: e });
	}
	const type = res.headers.get('Content-Type') || '';
	let data = null;
	if (res.status !== 204 && /json/.test(type)) {
		try {
			data = await res.json();
		} catch {
			data = null;
		}
	}
	if (res.ok) return data;

	const problem =
		data && typeof data === 'object' ? data : { title: res.statusText, status: res.status, detail: '' };
	const err = new ApiError({
		status: res.status,
		problem,
		retryAfter: parseRetryAfter(res.headers.get('Retry-After')),
	});
	if (res.status === 401 && auth) handlers.unauthorized(err);
	else if (res.status === 403 && isMustChangeProblem(problem)) handlers.mustChangePassword(err);
	throw err;
}

export const api = {
	get: (path, query, opts) => request('GET', path, { ...opts, query }),
	post: (path, body, opts) => request('POST', path, { ...opts, body }),
	patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
	put: (path, body, opts) => request('PUT', path, { ...opts, body }),
	/** POST a file's bytes as the body (not multipart), e.g. a CSV with contentType 'text/csv'. */
	upload: (path, file, contentType, query, opts) => request('POST', path, { ...opts, query, raw: file, contentType }),
	del: (path, opts) => request('DELETE', path, opts),

	/** POST /session: never triggers the global 401 handling (401 is "wrong credentials"). */
	login: (username, password) => request('POST', '/session', { body: { username, password }, auth: false }),
	logout: () => request('DELETE', '/session', { auth: false }),
	me: () => request('GET', '/me', { auth: false }),
	changePassword: (currentPassword, newPassword) =>
		request('POST', '/me/password', { body: { current_password: currentPassword, new_password: newPassword } }),

	roles: () => request('GET', '/roles', { query: { limit: 200 } }),
	areas: (parent, cursor) => request('GET', '/areas', { query: { parent, cursor, limit: 200 } }),
	area: (code) => request('GET', `/areas/${encodeURIComponent(code)}`),

	users: (query) => request('GET', '/users', { query }),
	user: (id) => request('GET', `/users/${encodeURIComponent(id)}`),
	createUser: (body) => request('POST', '/users', { body }),
	addRole: (id, role, areaCode) =>
		request('POST', `/users/${encodeURIComponent(id)}/roles`, { body: { role, area_code: areaCode } }),
	removeRole: (id, assignmentId) =>
		request('DELETE', `/users/${encodeURIComponent(id)}/roles/${encodeURIComponent(assignmentId)}`),
	userAction: (id, action) => request('POST', `/users/${encodeURIComponent(id)}/${action}`),
	resetPassword: (id, password) =>
		request('POST', `/users/${encodeURIComponent(id)}/password-reset`, { body: { password } }),

	audit: (query) => request('GET', '/audit', { query }),
	startAuditExport: (filters) => request('POST', '/audit/exports', { body: filters }),
	job: (id) => request('GET', `/jobs/${encodeURIComponent(id)}`),
};

/** All pages of a list endpoint (for short lists such as an area's children). */
export async function fetchAll(fetchPage, max = 20) {
	const items = [];
	let cursor;
	for (let i = 0; i < max; i++) {
		const page = await fetchPage(cursor);
		items.push(...(page?.items ?? []));
		cursor = page?.next_cursor;
		if (!cursor) break;
	}
	return items;
}
