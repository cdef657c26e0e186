// Open311 GeoReport v2 (issue 4): every endpoint in XML and JSON (and the two
// agree), API keys with the scope open311 (sessions ignored), the location
// rules and the district's triage queue, the description limit, unknown
// services, the 90-day window and the 1000-result cap, and privacy: a
// confidential demand shows no address, description or notes, and contact
// details sent through Open311 never appear in any answer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区, 工人村街道
const B = '420107005001'; // 青雅居社区
const DISTRICT = '420107';
const DAY = 86400000;
const T0 = Date.parse('2026-11-29T02:15:00Z'); // 10:15 in Beijing

let srv, dist, staffA, gridA, key, narrowKey;
const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, q]).toString().trim();

async function apikey(name, scope) {
	const r = await srv.cli(['apikey', 'add', '--db', srv.db, '--name', name, '--scope', scope]);
	assert.equal(r.code, 0, r.stderr);
	return r.stdout.trim();
}

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'dist', role: 'district_admin' },
			{ username: 'staffA', role: 'community_staff', area: A },
			{ username: 'gridA', role: 'grid_worker', area: A },
		],
	});
	await srv.setClock(T0);
	dist = await srv.login('dist');
	staffA = await srv.login('staffA');
	gridA = await srv.login('gridA');
	key = await apikey('fixmystreet', 'open311');
	narrowKey = await apikey('reader', 'orders.read');
});
after(() => srv?.stop());

// --- a minimal reader for the XML answers: elements and text, no attributes ---

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (t) => t.replace(/&(amp|lt|gt|quot|apos|#(\d+));/g, (_, e, n) => (n ? String.fromCodePoint(Number(n)) : ENTITIES[e]));

function parseXml(text) {
	const decl = '<?xml version="1.0" encoding="utf-8"?>\n';
	assert.ok(text.startsWith(decl), `the XML declaration first: ${text.slice(0, 60)}`);
	const stack = [{ name: '#document', children: [], text: '' }];
	for (const m of text.slice(decl.length).matchAll(/<(\/?)([a-z_]+)(\/?)>|([^<]+)/g)) {
		if (m[4] !== undefined) stack.at(-1).text += decode(m[4]);
		else if (m[1]) {
			const el = stack.pop();
			assert.equal(el.name, m[2], 'tags nest');
			stack.at(-1).children.push(el);
		} else if (m[3]) stack.at(-1).children.push({ name: m[2], children: [], text: '', empty: true });
		else stack.push({ name: m[2], children: [], text: '' });
	}
	assert.equal(stack.length, 1, 'every element is closed');
	assert.equal(stack[0].children.length, 1, 'one document element');
	assert.equal(stack[0].text.trim(), '', 'nothing outside it');
	return stack[0].children[0];
}

// The specification's lists; anything else with children is a record.
const LISTS = { services: 'service', service_requests: 'request', errors: 'error', endpoints: 'endpoint', formats: 'format', attributes: 'attribute' };

/** An element as the JSON the specification maps it to, with every scalar as text. */
function xmlValue(el) {
	if (el.empty) return null;
	if (LISTS[el.name]) {
		for (const c of el.children) assert.equal(c.name, LISTS[el.name], `items of <${el.name}>`);
		return el.children.map(xmlValue);
	}
	if (el.children.length === 0) return el.text;
	return Object.fromEntries(el.children.map((c) => [c.name, xmlValue(c)]));
}

/** A JSON answer with every scalar as text, to compare with the XML. */
function asText(v) {
	if (v === null) return null;
	if (Array.isArray(v)) return v.map(asText);
	if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asText(x)]));
	return String(v);
}

async function raw(method, path, { body, headers = {}, client } = {}) {
	const c = client ?? srv.client();
	const opts = { headers, csrf: client != null };
	if (body !== undefined) Object.assign(opts, { body, raw: true });
	return c.req(method, path, opts);
}

/** GET path.xml and path.json (query after): both answer status, in their types, with the same content. */
async function both(path, status = 200, { query = '', headers } = {}) {
	const x = await raw('GET', `/open311/v2/${path}.xml${query}`, { headers });
	const j = await raw('GET', `/open311/v2/${path}.json${query}`, { headers });
	assert.equal(x.status, status, `${path}.xml${query}: ${x.text.slice(0, 300)}`);
	assert.equal(j.status, status, `${path}.json${query}: ${j.text.slice(0, 300)}`);
	assert.equal(x.headers['content-type'], 'text/xml; charset=utf-8');
	assert.equal(j.headers['content-type'], 'application/json; charset=utf-8');
	const doc = parseXml(x.text);
	assert.deepEqual(xmlValue(doc), asText(j.json), `${path}: XML and JSON agree`);
	return { json: j.json, root: doc.name, xml: x.text, text: j.text };
}

const form = (fields) => new URLSearchParams(fields).toString();

/** POST requests.{fmt} with a form; {status, json or xml value}. */
async function submit(fields, { fmt = 'json', headers = {}, client, query = '' } = {}) {
	const r = await raw('POST', `/open311/v2/requests.${fmt}${query}`, {
		body: form(fields),
		headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
		client,
	});
	const value = fmt === 'json' ? r.json : xmlValue(parseXml(r.text));
	return { status: r.status, value, r };
}

async function create(fields, fmt = 'json') {
	const s = await submit({ api_key: key, service_code: 'stairwell_lighting', ...fields }, { fmt });
	assert.equal(s.status, 200, JSON.stringify(s.value));
	assert.equal(s.value.length, 1);
	assert.match(s.value[0].service_request_id, /^\d+$/, 'the id as text');
	assert.equal(s.value[0].token, undefined, 'a realtime service answers the id, not a token');
	return Number(s.value[0].service_request_id);
}

/** The single error of an answer, checked to be the specification's shape. */
function theError(value, code) {
	assert.ok(Array.isArray(value) && value.length >= 1, `an error list: ${JSON.stringify(value)}`);
	for (const e of value) assert.deepEqual(Object.keys(e), ['code', 'description']);
	const e = value.find((x) => String(x.code) === String(code));
	assert.ok(e, `an error ${code} in ${JSON.stringify(value)}`);
	return e.description;
}

test('discovery in XML and JSON names this endpoint, its formats and how to get a key', async () => {
	const { json, root } = await both('discovery', 200, { headers: { Host: 'doorstep.example.org' } });
	assert.equal(root, 'discovery');
	assert.match(json.changeset, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
	assert.match(json.contact, /青山区/);
	assert.match(json.key_service, /open311/);
	assert.equal(json.endpoints.length, 1);
	const e = json.endpoints[0];
	assert.equal(e.specification, 'http://wiki.open311.org/GeoReport_v2');
	assert.equal(e.url, 'http://doorstep.example.org/open311/v2');
	assert.equal(e.type, 'production');
	assert.deepEqual(e.formats, ['text/xml', 'application/json']);
	// A Host that is not a host name is not echoed.
	const odd = await both('discovery', 200, { headers: { Host: 'x"><script>' } });
	assert.equal(odd.json.endpoints[0].url, '/open311/v2');
});

test('services are the active categories; a service definition has no attributes; unknown codes are 404', async () => {
	const zh = await both('services');
	assert.equal(zh.root, 'services');
	const lighting = zh.json.find((s) => s.service_code === 'stairwell_lighting');
	assert.deepEqual(lighting, {
		service_code: 'stairwell_lighting',
		service_name: '楼道照明',
		description: '派单后48个工作小时内办结（紧急8小时）。',
		metadata: false,
		type: 'realtime',
		keywords: 'Stairwell lighting, Repairs',
		group: '设施维修',
	});
	assert.ok(zh.json.every((s) => typeof s.service_code === 'string'));
	const en = await both('services', 200, { query: '?locale=en' });
	assert.equal(en.json.find((s) => s.service_code === 'noise').service_name, 'Noise');
	const byHeader = await both('services', 200, { headers: { 'Accept-Language': 'en-GB,en;q=0.8' } });
	assert.equal(byHeader.json[0].group, 'Repairs');
	// A retired category is no longer a service.
	sql(`UPDATE categories SET active = 0 WHERE code = 'pets'`);
	assert.ok(!(await both('services')).json.some((s) => s.service_code === 'pets'));
	theError((await both('services/pets', 404)).json, 404);
	sql(`UPDATE categories SET active = 1 WHERE code = 'pets'`);

	const def = await both('services/noise');
	assert.equal(def.root, 'service_definition');
	assert.deepEqual(def.json, { service_code: 'noise', attributes: [] });
	const missing = await both('services/no_such', 404);
	assert.equal(missing.root, 'errors');
	assert.match(theError(missing.json, 404), /no_such/);
});

test('unknown resources and formats are 404 in the specification\'s form; only requests takes POST', async () => {
	for (const p of ['/open311/v2/nothing.xml', '/open311/v2/requests.csv', '/open311/v2/requests', '/open311/v2/things/1.json']) {
		const r = await raw('GET', p);
		assert.equal(r.status, 404, p);
		const value = r.headers['content-type'].startsWith('application/json') ? r.json : xmlValue(parseXml(r.text));
		theError(value, 404);
	}
	const r = await raw('POST', '/open311/v2/services.json', { body: '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
	assert.equal(r.status, 405);
	assert.equal(r.headers.allow, 'GET');
	theError(r.json, 405);
	// Deeper paths under /open311 are no page of the web app either.
	const deep = await raw('GET', '/open311/v2/requests/1/more.json');
	assert.equal(deep.status, 404);
	assert.match(deep.headers['content-type'], /json/);
});

test('POST needs an API key with the scope open311 in the form; sessions and other keys are refused with 403', async () => {
	const fields = { service_code: 'noise', address_id: A, description: '楼下KTV噪音' };
	for (const fmt of ['json', 'xml']) {
		const cases = [
			[{}, /missing/],
			[{ api_key: '' }, /missing/],
			[{ api_key: 'not-a-key' }, /not valid/],
			[{ api_key: 'ab'.repeat(32) }, /not valid/],
			[{ api_key: narrowKey }, /scope open311/],
		];
		for (const [extra, why] of cases) {
			const s = await submit({ ...fields, ...extra }, { fmt });
			assert.equal(s.status, 403, `${fmt} ${JSON.stringify(extra)}`);
			assert.match(theError(s.value, 403), why);
		}
	}
	// A district administrator's session is no key here.
	const s = await submit(fields, { client: dist });
	assert.equal(s.status, 403);
	// The key belongs in the body, not in a URL that logs keep.
	const inUrl = await submit(fields, { query: `?api_key=${key}` });
	assert.equal(inUrl.status, 403);
	assert.match(theError(inUrl.value, 403), /form body/);
	// A revoked key no longer works.
	const old = await apikey('old', 'open311');
	const id = sql(`SELECT id FROM api_tokens WHERE name = 'old'`);
	assert.equal((await srv.cli(['apikey', 'revoke', '--db', srv.db, '--id', id])).code, 0);
	assert.equal((await submit({ ...fields, api_key: old })).status, 403);
	// The refusal of a known key is audited (once per format above).
	assert.equal(sql(`SELECT count(*) FROM audit_log WHERE username = 'token:reader' AND outcome = 'denied'`), '2');
	// With a good key, a session cookie changes nothing.
	const ok = await submit({ ...fields, api_key: key }, { client: dist });
	assert.equal(ok.status, 200, JSON.stringify(ok.value));
});

test('the form is form-encoded UTF-8: + and %XX decode, other bodies are refused', async () => {
	const text = '3栋 楼道灯 100% 坏了 & 闪烁 <b>\r\n第二行';
	const id = await create({ description: text, address_id: A });
	const { json, xml } = await both(`requests/${id}`);
	assert.equal(json[0].description, text, 'and the XML says the same (both() compares)');
	assert.ok(xml.includes('&amp; 闪烁 &lt;b&gt;&#13;\n第二行'), 'escaped in XML');
	const asJson = await srv.client().req('POST', '/open311/v2/requests.json', { body: { api_key: key } });
	assert.equal(asJson.status, 415);
	const latin1 = await raw('POST', '/open311/v2/requests.json', {
		body: Buffer.from(`api_key=${key}&service_code=noise&address_id=${A}&description=caf%E9`),
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
	});
	assert.equal(latin1.status, 400);
	const repeated = await raw('POST', '/open311/v2/requests.json', {
		body: `api_key=${key}&service_code=noise&service_code=pets&address_id=${A}`,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
	});
	assert.equal(repeated.status, 400);
	assert.match(theError(repeated.json, 400), /service_code is given more than once/);
});

test('a request is a work order of channel open311 where its location says; by coordinates alone it waits in the district\'s triage queue', async () => {
	// address_id: the community.
	const byId = await create({ address_id: A, description: '楼道灯不亮' }, 'xml');
	const o = await staffA.get(`/api/v1/work-orders/${byId}`);
	assert.equal(o.status, 200, o.text);
	assert.equal(o.json.area_code, A);
	assert.equal(o.json.channel, 'open311');
	assert.equal(o.json.state, 'collected');
	assert.equal(o.json.category, 'stairwell_lighting');

	// address_string naming a community: that community.
	const byText = await create({ address_string: '武汉市青山区工人村街道青和居社区3栋2单元', description: '灯' });
	assert.equal((await staffA.get(`/api/v1/work-orders/${byText}`)).json.area_code, A);

	// Coordinates alone, or an address no area matches: the district, seen by its administrator only.
	const queued = [];
	for (const fields of [{ lat: '30.6301234', long: '114.4123456' }, { address_string: '和平大道某处' }]) {
		const id = await create({ ...fields, description: '路灯' });
		queued.push(id);
		const d = await dist.get(`/api/v1/work-orders/${id}`);
		assert.equal(d.status, 200, d.text);
		assert.equal(d.json.area_code, DISTRICT);
		assert.equal((await staffA.get(`/api/v1/work-orders/${id}`)).status, 404, 'not a community\'s demand yet');
		const inbox = await dist.get('/api/v1/work-orders?box=to_accept&limit=200');
		assert.ok(inbox.json.items.some((x) => x.id === id), 'in the district\'s inbox');
	}
	const [pointed] = (await both('requests', 200, { query: `?service_request_id=${queued[0]}` })).json;
	assert.equal(pointed.lat, 30.6301234);
	assert.equal(pointed.long, 114.4123456);
	assert.equal(pointed.address_id, DISTRICT);
	assert.equal(pointed.agency_responsible, '青山区');

	// The creation is audited under the key's name.
	assert.equal(sql(`SELECT count(*) FROM audit_log WHERE action = 'work_order.create' AND object = 'work_order:${byId}' AND username = 'token:fixmystreet'`), '1');
});

test('a missing or wrong location, an over-long description and an unknown service are refused', async () => {
	for (const fmt of ['json', 'xml']) {
		const base = { api_key: key, service_code: 'noise', description: '噪音' };
		const none = await submit(base, { fmt });
		assert.equal(none.status, 400);
		assert.match(theError(none.value, 400), /location is required/);
		const half = await submit({ ...base, lat: '30.6' }, { fmt });
		assert.equal(half.status, 400);
		assert.match(theError(half.value, 400), /together/);
		const far = await submit({ ...base, lat: '95', long: '114' }, { fmt });
		assert.equal(far.status, 400);
		const badArea = await submit({ ...base, address_id: '420107999999' }, { fmt });
		assert.equal(badArea.status, 400);
		assert.match(theError(badArea.value, 400), /address_id/);
		const topArea = await submit({ ...base, address_id: DISTRICT }, { fmt });
		assert.equal(topArea.status, 400);

		// 4000 characters (not bytes: these are 12,000) are allowed, 4001 are not.
		const max = await submit({ ...base, address_id: A, description: '灯'.repeat(4000) }, { fmt });
		assert.equal(max.status, 200, JSON.stringify(max.value).slice(0, 200));
		const over = await submit({ ...base, address_id: A, description: '灯'.repeat(4001) }, { fmt });
		assert.equal(over.status, 400);
		assert.match(theError(over.value, 400), /description is longer than 4000 characters/);

		const unknown = await submit({ ...base, address_id: A, service_code: 'no_such' }, { fmt });
		assert.equal(unknown.status, 404);
		assert.match(theError(unknown.value, 404), /service_code no_such was not found/);
		const noCode = await submit({ api_key: key, address_id: A }, { fmt });
		assert.equal(noCode.status, 400);
		assert.match(theError(noCode.value, 400), /service_code is required/);
		// Several problems are listed together; mixed codes answer 400.
		const several = await submit({ api_key: key, service_code: 'no_such' }, { fmt });
		assert.equal(several.status, 400);
		assert.equal(several.value.length, 2);
		const script = await submit({ ...base, address_id: A, media_url: 'javascript:alert(1)' }, { fmt });
		assert.equal(script.status, 400);
	}
});

test('GET requests/{id} and tokens/{token} in both formats; unknown ones are 404', async () => {
	const id = await create({ address_id: A, description: '二楼灯坏', media_url: 'https://example.org/p/1.jpg' });
	const one = await both(`requests/${id}`);
	assert.equal(one.root, 'service_requests');
	const [r] = one.json;
	assert.deepEqual(Object.keys(r), [
		'service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description',
		'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime',
		'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url',
	]);
	assert.equal(r.service_request_id, String(id));
	assert.equal(r.status, 'open');
	assert.equal(r.service_name, '楼道照明');
	assert.equal(r.service_code, 'stairwell_lighting');
	assert.equal(r.description, '二楼灯坏');
	assert.equal(r.agency_responsible, '青和居社区居委会');
	assert.match(r.requested_datetime, /^2026-11-29T10:\d\d:\d\d\+08:00$/);
	assert.equal(r.expected_datetime, null, 'no time limit before dispatch');
	assert.equal(r.address, '青和居社区, 工人村街道, 青山区');
	assert.equal(r.address_id, A);
	assert.equal(r.media_url, 'https://example.org/p/1.jpg');
	assert.equal((await both(`requests/${id}`, 200, { query: '?locale=en' })).json[0].service_name, 'Stairwell lighting');

	theError((await both('requests/999999', 404)).json, 404);
	theError((await both('requests/abc', 404)).json, 404);

	const token = sql(`SELECT token FROM open311_requests WHERE id = ${id}`);
	assert.match(token, /^[0-9a-f]{32}$/);
	const t = await both(`tokens/${token}`);
	assert.deepEqual(t.json, [{ service_request_id: String(id), token }]);
	theError((await both('tokens/ffff', 404)).json, 404);
});

test('the state maps to open or closed, the last note is status_notes, the time limit is expected_datetime, the unit is the agency', async () => {
	const id = await create({ lat: '30.61', long: '114.39', description: '重复' });
	let o = (await dist.get(`/api/v1/work-orders/${id}`)).json;
	const rej = await dist.post(`/api/v1/work-orders/${id}/transitions`, { action: 'reject', version: o.version, note: '重复报告' });
	assert.equal(rej.status, 200, rej.text);
	const [closed] = (await both(`requests/${id}`)).json;
	assert.equal(closed.status, 'closed');
	assert.equal(closed.status_notes, '重复报告');

	const other = await create({ address_id: A, description: '灯不亮' });
	o = (await staffA.get(`/api/v1/work-orders/${other}`)).json;
	await staffA.post(`/api/v1/work-orders/${other}/transitions`, { action: 'accept', version: o.version });
	sql(`INSERT INTO teams (name, area_code, partner_id, created_at) VALUES ('青和居维修队', '${A}', NULL, 0)`);
	const team = Number(sql(`SELECT id FROM teams WHERE name = '青和居维修队'`));
	const d = await staffA.post(`/api/v1/work-orders/${other}/transitions`, { action: 'dispatch', version: o.version + 1, team_id: team, note: '今天修' });
	assert.equal(d.status, 200, d.text);
	const [open] = (await both(`requests/${other}`)).json;
	assert.equal(open.status, 'open');
	assert.equal(open.status_notes, '今天修');
	assert.equal(open.agency_responsible, '青和居维修队');
	assert.equal(new Date(open.expected_datetime).toISOString(), d.json.due_at.replace('Z', '.000Z'));
	assert.match(open.expected_datetime, /\+08:00$/);

	const onlyClosed = (await both('requests', 200, { query: '?status=closed' })).json;
	assert.ok(onlyClosed.some((x) => x.service_request_id === String(id)));
	assert.ok(onlyClosed.every((x) => x.status === 'closed'));
	const onlyOpen = (await both('requests', 200, { query: '?status=open' })).json;
	assert.ok(onlyOpen.every((x) => x.status === 'open') && onlyOpen.some((x) => x.service_request_id === String(other)));
	assert.equal((await both('requests', 200, { query: '?status=open,closed' })).json.length, (await both('requests')).json.length);
	theError((await both('requests', 400, { query: '?status=pending' })).json, 400);
	const noise = (await both('requests', 200, { query: '?service_code=noise,pets' })).json;
	assert.ok(noise.length > 0 && noise.every((x) => ['noise', 'pets'].includes(x.service_code)));
	const picked = (await both('requests', 200, { query: `?service_request_id=${other},${id},999999&status=open` })).json;
	assert.deepEqual(picked.map((x) => x.service_request_id), [String(other), String(id)], 'ids override the other filters');
});

test('a confidential demand and one recorded by staff show only their area, never the address or the resident', async () => {
	const res = await staffA.post('/api/v1/residents', { name: '独居老人甲', area_code: A });
	assert.equal(res.status, 201, res.text);
	const c = await staffA.post('/api/v1/work-orders', {
		category: 'elderly_care',
		description: '独居老人甲行动不便，需要上门',
		area_code: A,
		resident_id: res.json.id,
		address: '青和居3栋2单元502',
		confidential: true,
	});
	assert.equal(c.status, 201, c.text);
	await staffA.post(`/api/v1/work-orders/${c.json.id}/transitions`, { action: 'accept', version: c.json.version });
	const d = await staffA.post(`/api/v1/work-orders/${c.json.id}/transitions`, {
		action: 'dispatch',
		version: c.json.version + 1,
		user_id: gridA.user.id,
		note: '甲的女儿电话已联系',
	});
	assert.equal(d.status, 200, d.text);
	const plain = await staffA.post('/api/v1/work-orders', {
		category: 'sanitation',
		description: '垃圾桶满了',
		area_code: A,
		address: '青和居5栋门口',
	});
	assert.equal(plain.status, 201, plain.text);

	for (const path of [`requests/${c.json.id}`, 'requests']) {
		const { json, xml, text } = await both(path);
		const secret = json.find((x) => x.service_request_id === String(c.json.id));
		assert.equal(secret.description, null);
		assert.equal(secret.status_notes, null);
		assert.equal(secret.address, '青和居社区, 工人村街道, 青山区');
		assert.equal(secret.address_id, A);
		assert.equal(secret.agency_responsible, '青和居社区居委会', 'the unit, never the grid worker');
		assert.equal(secret.lat, null);
		for (const t of [xml, text]) {
			for (const s of ['3栋2单元502', '独居老人甲', '女儿', 'gridA', '5栋门口']) assert.ok(!t.includes(s), `${path} shows ${s}`);
		}
		if (path === 'requests') {
			const other = json.find((x) => x.service_request_id === String(plain.json.id));
			assert.equal(other.description, '垃圾桶满了');
			assert.equal(other.address, '青和居社区, 工人村街道, 青山区');
		}
	}
});

test('contact details sent through Open311 are sealed and never answered', async () => {
	const contact = {
		email: 'reporter.zhang@example.cn',
		phone: '13912345678',
		first_name: 'Xiaoming',
		last_name: 'Zhangsan',
		device_id: 'device-7f3a',
		account_id: 'acct-4242',
	};
	const id = await create({ address_id: B, description: '楼道堵塞', ...contact }, 'xml');
	const token = sql(`SELECT token FROM open311_requests WHERE id = ${id}`);
	const answers = [
		await both(`requests/${id}`),
		await both('requests'),
		await both(`requests`, 200, { query: `?service_request_id=${id}` }),
		await both(`tokens/${token}`),
	];
	for (const a of answers)
		for (const v of Object.values(contact)) {
			assert.ok(!a.xml.includes(v), `XML shows ${v}`);
			assert.ok(!a.text.includes(v), `JSON shows ${v}`);
		}
	// At rest: sealed, not plain text.
	assert.equal(sql(`SELECT instr(contact_sealed, CAST('reporter.zhang' AS BLOB)) FROM open311_requests WHERE id = ${id}`), '0');
	assert.equal(sql(`SELECT length(contact_sealed) > 40 FROM open311_requests WHERE id = ${id}`), '1');
	assert.equal(sql(`SELECT count(*) FROM work_orders WHERE description LIKE '%reporter%' OR address LIKE '%139%'`), '0');
});

test('GET requests: the last 90 days by default, a window of at most 90 days, newest first', async () => {
	// One request 100 days ago, one now.
	await srv.setClock(T0 - 100 * DAY);
	const old = await create({ address_id: A, description: '很久以前' });
	await srv.setClock(T0);
	const recent = await create({ address_id: A, description: '刚才' });
	const all = (await both('requests')).json;
	assert.ok(all.some((x) => x.service_request_id === String(recent)));
	assert.ok(!all.some((x) => x.service_request_id === String(old)), 'older than 90 days is out by default');
	const times = all.map((x) => Date.parse(x.requested_datetime));
	assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');

	const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
	const q = (from, to) => `?start_date=${encodeURIComponent(from)}&end_date=${encodeURIComponent(to)}`;
	const then = (await both('requests', 200, { query: q(iso(T0 - 110 * DAY), iso(T0 - 95 * DAY)) })).json;
	assert.deepEqual(then.map((x) => x.service_request_id), [String(old)]);
	// With an offset, with a '+' left unescaped (it arrives as a space), and a start date alone.
	const offset = (await both('requests', 200, { query: '?start_date=2026-08-20T00:00:00+08:00&end_date=2026-08-22T00:00:00.000+08:00' })).json;
	assert.deepEqual(offset.map((x) => x.service_request_id), [String(old)]);
	const fromOnly = (await both('requests', 200, { query: `?start_date=${iso(T0 - 101 * DAY)}` })).json;
	assert.ok(fromOnly.some((x) => x.service_request_id === String(old)) && !fromOnly.some((x) => x.service_request_id === String(recent)), 'a start date alone: 90 days from it');
	// Exactly 90 days is allowed; more, a reversed window, or a date without an offset are 400.
	await both('requests', 200, { query: q(iso(T0 - 90 * DAY), iso(T0)) });
	assert.match(theError((await both('requests', 400, { query: q(iso(T0 - 91 * DAY), iso(T0)) })).json, 400), /90 days/);
	assert.match(theError((await both('requests', 400, { query: q(iso(T0), iso(T0 - DAY)) })).json, 400), /before/);
	theError((await both('requests', 400, { query: '?start_date=2026-11-01T00:00:00' })).json, 400);
	theError((await both('requests', 400, { query: '?end_date=yesterday' })).json, 400);
});

test('GET requests answers at most 1000, the newest', async () => {
	// 1005 orders raised 200 days ago, one a second apart.
	const base = Math.floor((T0 - 200 * DAY) / 1000);
	const uid = sql(`SELECT id FROM users WHERE username = 'dist'`);
	sql(
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1005)
		 INSERT INTO work_orders (category, state, version, urgency, channel, description, area_code, confidential,
		   rework, deferred, created_by, created_at, updated_at)
		 SELECT 'other', 'collected', 1, 'normal', 'phone', 'bulk ' || i, '${B}', 0, 0, 0, ${uid}, ${base} - i, ${base} - i FROM n`,
	);
	const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
	const { json } = await both('requests', 200, { query: `?start_date=${iso(base - 86400)}&end_date=${iso(base)}` });
	assert.equal(json.length, 1000);
	assert.equal(json[0].description, 'bulk 1');
	assert.equal(json[999].description, 'bulk 1000');
	// And by id: more than 1000 ids are refused.
	const ids = Array.from({ length: 1001 }, (_, i) => i + 1).join(',');
	theError((await both('requests', 400, { query: `?service_request_id=${ids}` })).json, 400);
});
