// The resident registry (issue 3): households and residents, GB 11643 ID
// numbers and phone validation, masking and audited unmasking, search by
// any part of a name and blind index, tags (sensitive ones by permission), scope,
// keyset pagination, derived tags, and no plain numbers in the database file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { dateOf, idEndingIn123X, newId, withCheck } from './lib/ids.mjs';
import { assertProblem, eventually, parseCsv, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const B = '420107005001'; // 青雅居社区, the same street
const STREET = '420107005'; // 工人村街道
const NOW_YEAR = new Date().getUTCFullYear();

const maskedId = (id) => id.slice(0, 6) + '********' + id.slice(-4);
const maskedMobile = (p) => p.slice(0, 3) + '****' + p.slice(7);
let nextPhone = 13900001000;
const newPhone = () => String(nextPhone++);

// --- the district and its people ---

let srv;
let staffA, staffB, gridA, gridB, knockA, streetAdm, distAdm, aud;
const D = {}; // what the setup created: responses and the numbers behind them
const secrets = []; // every full ID and phone number recorded: never in a masked answer

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staffA', role: 'community_staff', area: A },
			{ username: 'staffB', role: 'community_staff', area: B },
			{ username: 'gridA', role: 'grid_worker', area: A },
			{ username: 'gridB', role: 'grid_worker', area: B },
			{ username: 'knockA', role: 'doorknocker', area: A },
			{ username: 'streetadm', role: 'street_admin', area: STREET },
			{ username: 'distadm', role: 'district_admin', area: '420107' },
			{ username: 'aud', role: 'auditor' },
		],
	});
	[staffA, staffB, gridA, gridB, knockA, streetAdm, distAdm, aud] = await Promise.all(
		['staffA', 'staffB', 'gridA', 'gridB', 'knockA', 'streetadm', 'distadm', 'aud'].map((u) => srv.login(u)),
	);

	// A household in 青和居社区 and people in it; the names are chosen for the search test.
	D.household = await staffA.post('/api/v1/households', { area_code: A, unit: '2', room: '301' });
	assert.equal(D.household.status, 201, D.household.text);
	const hid = D.household.json.id;
	D.zxmId = idEndingIn123X(1958); // 张小明, male (the 17th digit 3 is odd)
	D.zxmPhone = '13812345678';
	D.zwId = newId('19860512', { male: false }); // 张伟, female
	D.zwPhone = newPhone();
	secrets.push(D.zxmId, D.zxmPhone, D.zwId, D.zwPhone);
	D.zxm = await staffA.post('/api/v1/residents', {
		name: '张小明',
		household_id: hid,
		relation: 'head',
		id_number: D.zxmId,
		phone: D.zxmPhone,
	});
	assert.equal(D.zxm.status, 201, D.zxm.text);
	D.zw = await staffA.post('/api/v1/residents', {
		name: '张伟',
		household_id: hid,
		relation: 'spouse',
		id_number: D.zwId,
		phone: D.zwPhone,
	});
	assert.equal(D.zw.status, 201, D.zw.text);
	D.names = { 张小明: D.zxm.json.id, 张伟: D.zw.json.id };
	for (const name of ['李小明', '欧阳小明', '赵敏']) {
		const id = newId('19750309');
		const phone = newPhone();
		secrets.push(id, phone);
		const r = await staffA.post('/api/v1/residents', { name, area_code: A, id_number: id, phone });
		assert.equal(r.status, 201, r.text);
		D.names[name] = r.json.id;
	}
});
after(() => srv?.stop());

/** Every item of a list, page by page. */
async function all(c, query = '') {
	const items = [];
	let cursor = null;
	for (let i = 0; i < 100; i++) {
		const r = await c.get(`/api/v1/residents?limit=200${query}${cursor ? `&cursor=${cursor}` : ''}`);
		assert.equal(r.status, 200, r.text);
		items.push(...r.json.items);
		cursor = r.json.next_cursor;
		if (cursor === null) return items;
	}
	assert.fail('the list does not end');
}
/** How many residents exist anywhere in the district (a district admin's view). */
const census = async () => (await all(distAdm)).length;
const namesOf = (items) => items.map((x) => x.name).sort();

function assertNoSecrets(text, what) {
	for (const s of secrets) assert.ok(!text.includes(s), `${what} shows the full number ${s}`);
}

test('a household and residents in it are created with 201 and the documented shapes', async () => {
	const h = D.household.json;
	assert.equal(D.household.status, 201);
	assert.equal(typeof h.id, 'number');
	assert.equal(h.area_code, A);
	assert.equal(h.area_name, '青和居社区');
	assert.equal(h.unit, '2');
	assert.equal(h.room, '301');
	assert.deepEqual(h.members, []);

	const z = D.zxm.json;
	assert.equal(typeof z.id, 'number');
	assert.equal(z.name, '张小明');
	assert.equal(z.household_id, h.id);
	assert.equal(z.area_code, A, 'the household decides the area');
	assert.equal(z.area_name, '青和居社区');
	assert.equal(z.relation, 'head');
	assert.equal(z.document_type, 'id_card');
	assert.equal(z.status, 'active');
	assert.equal(typeof z.version, 'number');
	assert.ok(Array.isArray(z.tags) && Array.isArray(z.derived_tags));

	// The household now lists both members, and reads back the same for another reader in scope.
	const got = await gridA.get(`/api/v1/households/${h.id}`);
	assert.equal(got.status, 200, got.text);
	assert.deepEqual(
		got.json.members.map((m) => [m.id, m.name, m.relation]),
		[
			[z.id, '张小明', 'head'],
			[D.zw.json.id, '张伟', 'spouse'],
		],
	);
	const list = await staffA.get('/api/v1/households');
	assert.equal(list.status, 200);
	assert.ok(list.json.items.some((x) => x.id === h.id));
	// Found by its address: area, entrance and room.
	const other = await staffA.post('/api/v1/households', { area_code: A, unit: '2', room: '302' });
	assert.equal(other.status, 201, other.text);
	const at = await staffA.get(`/api/v1/households?area=${A}&unit=2&room=301`);
	assert.deepEqual(
		at.json.items.map((x) => x.id),
		[h.id],
	);
	assert.deepEqual((await staffA.get('/api/v1/households?room=303')).json.items, []);
	// Another community's staff cannot see it.
	assertProblem(await staffB.get(`/api/v1/households/${h.id}`), 404, 'a household in another community');
	assert.ok(!(await staffB.get('/api/v1/households')).json.items.some((x) => x.id === h.id));

	const one = await staffA.get(`/api/v1/residents/${z.id}`);
	assert.equal(one.status, 200, one.text);
	assert.deepEqual(one.json, z, 'GET answers what POST answered');
});

test('birth date and gender are derived from the ID number', async () => {
	assert.equal(D.zxm.json.birth_date, dateOf(D.zxmId));
	assert.equal(D.zxm.json.gender, 'male');
	assert.equal(D.zw.json.birth_date, '1986-05-12');
	assert.equal(D.zw.json.gender, 'female');
	const age = D.zw.json.age;
	assert.ok(age === NOW_YEAR - 1986 || age === NOW_YEAR - 1987, `age ${age}`);
	// Given and agreeing with the number: accepted.
	const id = newId('19900101', { male: false });
	const r = await staffA.post('/api/v1/residents', {
		name: '何一致',
		area_code: A,
		id_number: id,
		gender: 'female',
		birth_date: '1990-01-01',
	});
	secrets.push(id);
	assert.equal(r.status, 201, r.text);
	assert.equal(r.json.gender, 'female');
	assert.equal(r.json.birth_date, '1990-01-01');
});

test('invalid ID numbers, contradictions and bad phones are 422 and store nothing', async () => {
	const before = await census();
	const good = newId('19630704'); // valid, male; used in every bad request, then recorded at the end
	const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
	const cases = [
		[{ id_number: wrongCheck }, 'id_number', 'a wrong check character'],
		[{ id_number: withCheck('420107' + '19900230' + '111') }, 'id_number', '30 February'],
		[{ id_number: withCheck('420107' + '19810631' + '111') }, 'id_number', '31 June'],
		[{ id_number: withCheck('420107' + `${NOW_YEAR + 1}0615` + '111') }, 'id_number', 'born next year'],
		[{ id_number: withCheck('990107' + '19800101' + '111') }, 'id_number', 'province 99'],
		[{ id_number: withCheck('200107' + '19800101' + '111') }, 'id_number', 'province 20'],
		[{ id_number: good, gender: 'female' }, 'gender', 'a gender contradicting the number'],
		[{ id_number: good, birth_date: '1963-07-05' }, 'birth_date', 'a birth date contradicting the number'],
		[{ document_type: 'none', birth_date: `${NOW_YEAR + 1}-01-01` }, 'birth_date', 'a future birth date'],
		[{ id_number: good, phone: '1381234567' }, 'phone', 'a phone of 10 digits'],
		[{ id_number: good, phone: '12812345678' }, 'phone', 'a mobile starting 12'],
		[{ id_number: good, phone: '86812345' }, 'phone', 'a landline without area code'],
		[{ id_number: good, tags: ['no_such_tag'] }, 'tags[0]', 'an unknown tag'],
	];
	for (const [fields, field, what] of cases) {
		const r = await staffA.post('/api/v1/residents', { name: '郭校验', area_code: A, ...fields });
		const p = assertProblem(r, 422, what);
		assert.ok(
			p.errors.some((e) => e.field === field),
			`${what}: expected an error on ${field}, got ${JSON.stringify(p.errors)}`,
		);
		assert.equal(await census(), before, `${what}: nothing is stored`);
	}
	assert.deepEqual(await all(staffA, '&q=' + encodeURIComponent('郭校验')), [], 'the name was not stored');
	// The number the refused requests carried was not taken: it can be recorded now.
	secrets.push(good);
	const ok = await staffA.post('/api/v1/residents', { name: '郭校验', area_code: A, id_number: good });
	assert.equal(ok.status, 201, ok.text);
	assert.equal(await census(), before + 1);
});

test('a landline with its area code is accepted and masked', async () => {
	const r = await staffA.post('/api/v1/residents', {
		name: '马座机',
		area_code: A,
		document_type: 'none',
		phone: '027-86812345',
	});
	assert.equal(r.status, 201, r.text);
	secrets.push('027-86812345', '86812345');
	assert.equal(typeof r.json.phone, 'string');
	assert.ok(r.json.phone.startsWith('027-'), r.json.phone);
	assert.match(r.json.phone, /\*/);
	assertNoSecrets(r.text, 'the landline resident');
	const un = await staffA.post(`/api/v1/residents/${r.json.id}/unmask`, { reason: '电话回访' });
	assert.equal(un.status, 200, un.text);
	assert.equal(un.json.phone, '027-86812345');
	assert.equal(un.json.id_number, null);
});

test('a duplicate ID number is 409 and stores nothing', async () => {
	const before = await census();
	const r = await staffA.post('/api/v1/residents', { name: '罗重复', area_code: A, id_number: D.zwId, phone: newPhone() });
	assertProblem(r, 409, 'the same number again');
	// Also from another community: the number is unique in the whole registry.
	const r2 = await staffB.post('/api/v1/residents', { name: '罗重复', area_code: B, id_number: D.zxmId });
	assertProblem(r2, 409, 'the same number in another community');
	// A lower-case x is the same check character X: the same number.
	const r3 = await staffA.post('/api/v1/residents', { name: '罗重复', area_code: A, id_number: D.zxmId.toLowerCase() });
	assertProblem(r3, 409, 'the same number with a lower-case x');
	assert.equal(await census(), before);
	assert.deepEqual(await all(distAdm, '&q=' + encodeURIComponent('罗重复')), []);
});

test('numbers are masked in every answer; the full numbers appear in none', async () => {
	const z = D.zxm.json;
	assert.equal(z.id_number, '420107********123X');
	assert.equal(z.id_number, maskedId(D.zxmId));
	assert.equal(z.phone, '138****5678');
	assert.equal(D.zw.json.id_number, maskedId(D.zwId));
	assert.equal(D.zw.json.phone, maskedMobile(D.zwPhone));
	const texts = [D.zxm.text, D.zw.text, D.household.text];
	for (const c of [staffA, gridA, knockA, streetAdm, distAdm]) {
		const list = await c.get('/api/v1/residents?limit=200');
		assert.equal(list.status, 200, list.text);
		const mine = list.json.items.find((x) => x.id === z.id);
		assert.ok(mine, `${c.user.username} sees 张小明`);
		assert.equal(mine.id_number, '420107********123X');
		assert.equal(mine.phone, '138****5678');
		for (const x of list.json.items) {
			if (x.id_number !== null) assert.match(x.id_number, /^\d{6}\*{8}\d{3}[\dX]$/, `${x.name} id_number`);
			if (x.phone !== null && !x.phone.includes('-')) assert.match(x.phone, /^1\d\d\*{4}\d{4}$/, `${x.name} phone`);
		}
		texts.push(list.text);
		texts.push((await c.get(`/api/v1/residents/${z.id}`)).text);
		texts.push((await c.get(`/api/v1/households/${D.household.json.id}`)).text);
		texts.push((await c.get('/api/v1/households')).text);
		// Searching by the full numbers finds the person, masked.
		texts.push((await c.get(`/api/v1/residents?q=${D.zxmId}`)).text);
		texts.push((await c.get(`/api/v1/residents?q=${D.zxmPhone}`)).text);
	}
	for (const t of texts) assertNoSecrets(t, 'a list or read');
});

test('unmask: full numbers for staff in scope with a reason, audited; 422, 404 and 403 otherwise', async () => {
	const id = D.zxm.json.id;
	const path = `/api/v1/residents/${id}/unmask`;
	const reason = '核实低保申请材料';
	const r = await staffA.post(path, { reason });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json, { id_number: D.zxmId, phone: D.zxmPhone });
	// The street and district administrators may too.
	const rs = await streetAdm.post(path, { reason: '街道复核' });
	assert.equal(rs.status, 200, rs.text);
	assert.equal(rs.json.id_number, D.zxmId);

	const missing = assertProblem(await staffA.post(path, {}), 422, 'no reason');
	assert.ok(missing.errors.some((e) => e.field === 'reason'), JSON.stringify(missing.errors));
	const empty = assertProblem(await staffA.post(path, { reason: '' }), 422, 'an empty reason');
	assert.ok(empty.errors.some((e) => e.field === 'reason'), JSON.stringify(empty.errors));
	const blank = assertProblem(await staffA.post(path, { reason: '   ' }), 422, 'a reason of spaces only');
	assert.ok(blank.errors.some((e) => e.field === 'reason'), JSON.stringify(blank.errors));

	// Another community's staff: the resident does not exist for them.
	const outside = await staffB.post(path, { reason });
	assertProblem(outside, 404, 'outside the scope');
	const nonexistent = await staffB.post('/api/v1/residents/99999999/unmask', { reason });
	assertProblem(nonexistent, 404, 'nonexistent');
	assert.deepEqual(outside.json, nonexistent.json, 'the same answer for hidden and missing');
	// Roles without residents.unmask, even in scope.
	for (const c of [gridA, knockA]) {
		const d = assertProblem(await c.post(path, { reason }), 403, `${c.user.username} unmasks`);
		assertNoSecrets(JSON.stringify(d), 'a refusal');
	}
	for (const x of [missing, empty, outside.json]) assertNoSecrets(JSON.stringify(x), 'a refusal');

	// The audit log: one success per unmask that answered, with its reason.
	const log = await aud.get('/api/v1/audit?action=resident.unmask&limit=200');
	assert.equal(log.status, 200, log.text);
	const entries = log.json.items.filter((e) => e.object === `resident:${id}` && e.outcome === 'success');
	assert.deepEqual(
		entries.map((e) => [e.username, e.reason]).sort(),
		[
			['staffA', reason],
			['streetadm', '街道复核'],
		],
		JSON.stringify(log.json.items),
	);
	for (const e of log.json.items) assert.equal(e.action, 'resident.unmask');
	assertNoSecrets(log.text, 'the audit log');
});

test('search by one, two and three characters, by full mobile and ID number, and no match', async () => {
	const q = async (text, c = staffA) => namesOf(await all(c, '&q=' + encodeURIComponent(text)));
	assert.deepEqual(await q('张'), ['张伟', '张小明'].sort());
	assert.deepEqual(await q('小明'), ['张小明', '李小明', '欧阳小明'].sort());
	assert.deepEqual(await q('明'), ['张小明', '李小明', '欧阳小明'].sort());
	assert.deepEqual(await q('张小明'), ['张小明']);
	assert.deepEqual(await q('阳小明'), ['欧阳小明'], 'three characters in the middle of a name');
	assert.deepEqual(await q('欧阳小明'), ['欧阳小明']);
	assert.deepEqual(await q(D.zxmPhone), ['张小明'], 'full mobile number');
	assert.deepEqual(await q(D.zwId), ['张伟'], 'full ID number');
	assert.deepEqual(await q(D.zxmId), ['张小明'], 'full ID number ending in X');
	assert.deepEqual(await q(D.zxmId.toLowerCase()), ['张小明'], 'the check character typed as a lower-case x');
	assert.deepEqual(await q('王'), []);
	assert.deepEqual(await q('王小明'), []);
	assert.deepEqual(await q('13812345670'), [], 'another mobile number');
	// Items carry id, name and the masked numbers.
	const [item] = await all(staffA, `&q=${D.zxmPhone}`);
	assert.equal(item.id, D.zxm.json.id);
	assert.equal(item.id_number, '420107********123X');
	assert.equal(item.phone, '138****5678');
	// A part of the number is not a search for it.
	assert.deepEqual(await q(D.zxmPhone.slice(0, 7)), []);
});

test('tags by identifier, Chinese name and alias are stored as identifiers', async () => {
	const r = await staffA.post('/api/v1/residents', {
		name: '吴标签',
		area_code: A,
		document_type: 'none',
		tags: ['party_member', '低保户', '独居'],
	});
	assert.equal(r.status, 201, r.text);
	assert.deepEqual([...r.json.tags].sort(), ['living_alone', 'minimum_income', 'party_member']);
	const got = await staffA.get(`/api/v1/residents/${r.json.id}`);
	assert.deepEqual([...got.json.tags].sort(), ['living_alone', 'minimum_income', 'party_member']);
	for (const tag of ['living_alone', 'minimum_income', 'party_member'])
		assert.ok((await all(staffA, `&tag=${tag}`)).some((x) => x.id === r.json.id), `found by tag ${tag}`);
	assert.ok(!(await all(staffA, '&tag=empty_nest')).some((x) => x.id === r.json.id));
	const tags = await staffA.get('/api/v1/tags');
	assert.equal(tags.status, 200, tags.text);
	const byId = Object.fromEntries(tags.json.items.map((t) => [t.id, t]));
	assert.equal(byId.minimum_income.name_zh, '低保户');
	assert.equal(byId.minimum_income.sensitive, true);
	assert.equal(byId.living_alone.sensitive, false);
});

test('sensitive tags: hidden from a grid worker, and only roles that may see them filter by them', async () => {
	const r = await staffA.post('/api/v1/residents', {
		name: '孙关爱',
		area_code: A,
		document_type: 'none',
		tags: ['disabled', 'minimum_income', 'extreme_hardship', 'party_member'],
	});
	assert.equal(r.status, 201, r.text);
	const id = r.json.id;
	const SENSITIVE = ['disabled', 'minimum_income', 'extreme_hardship'];
	assert.deepEqual([...r.json.tags].sort(), ['disabled', 'extreme_hardship', 'minimum_income', 'party_member']);

	// The grid worker of the same community reads the resident without the sensitive tags.
	const g = await gridA.get(`/api/v1/residents/${id}`);
	assert.equal(g.status, 200, g.text);
	assert.deepEqual(g.json.tags, ['party_member']);
	const inList = (await all(gridA)).find((x) => x.id === id);
	assert.ok(inList, 'in the grid worker\'s list');
	assert.deepEqual(inList.tags, ['party_member']);
	for (const t of SENSITIVE) assert.ok(!g.text.includes(t), `${t} in the grid worker's view`);
	const tags = await gridA.get('/api/v1/tags');
	assert.equal(tags.status, 200);
	for (const t of tags.json.items) assert.ok(!SENSITIVE.includes(t.id), `tag list shows ${t.id}`);

	for (const t of SENSITIVE) {
		assertProblem(await gridA.get(`/api/v1/residents?tag=${t}`), 403, `grid worker filters by ${t}`);
		assertProblem(await knockA.get(`/api/v1/residents?tag=${t}`), 403, `door-knocker filters by ${t}`);
		const s = await staffA.get(`/api/v1/residents?tag=${t}`);
		assert.equal(s.status, 200, s.text);
		assert.ok(s.json.items.some((x) => x.id === id), `community staff find by ${t}`);
	}
	// A tag that is not sensitive is a filter for the grid worker too.
	const pm = await gridA.get('/api/v1/residents?tag=party_member');
	assert.equal(pm.status, 200, pm.text);
	assert.ok(pm.json.items.some((x) => x.id === id));
});

test('a grid worker of another community cannot read or find residents of 青和居社区', async () => {
	const id = D.zxm.json.id;
	const hidden = await gridB.get(`/api/v1/residents/${id}`);
	const missing = await gridB.get('/api/v1/residents/99999999');
	assertProblem(hidden, 404, 'another community');
	assertProblem(missing, 404, 'nonexistent');
	assert.deepEqual(hidden.json, missing.json);
	assertProblem(await gridB.get(`/api/v1/households/${D.household.json.id}`), 404, 'the household');
	const q = async (text) => (await all(gridB, '&q=' + encodeURIComponent(text))).map((x) => x.id);
	assert.deepEqual(await q('张'), []);
	assert.deepEqual(await q('小明'), []);
	assert.deepEqual(await q('张小明'), []);
	assert.deepEqual(await q(D.zxmPhone), []);
	assert.deepEqual(await q(D.zxmId), []);
	const everything = await all(gridB);
	for (const x of everything) assert.equal(x.area_code.slice(0, 12), B, `${x.name} is outside gridB's scope`);
	// Nor can they record someone there.
	assertProblem(
		await gridB.post('/api/v1/residents', { name: '越界', area_code: A, document_type: 'none' }),
		403,
		'recording in another community',
	);
});

test('?area= outside the scope is 403; inside it narrows the list', async () => {
	assertProblem(await staffA.get(`/api/v1/residents?area=${B}`), 403, 'the neighbouring community');
	assertProblem(await staffA.get(`/api/v1/residents?area=${STREET}`), 403, 'the street above');
	assertProblem(await gridB.get(`/api/v1/residents?area=${A}`), 403, 'a grid worker elsewhere');
	const own = await all(staffA, `&area=${A}`);
	assert.ok(own.some((x) => x.id === D.zxm.json.id));
	const narrowed = await all(streetAdm, `&area=${B}`);
	assert.ok(!narrowed.some((x) => x.area_code.startsWith(A)), 'only 青雅居社区');
	assert.ok((await all(streetAdm, `&area=${A}`)).some((x) => x.id === D.zxm.json.id));
});

test('keyset pagination walks every resident once and ends with next_cursor null', async () => {
	const made = [];
	for (const n of ['一', '二', '三', '四', '五', '六', '七']) {
		const r = await staffB.post('/api/v1/residents', { name: '分页' + n, area_code: B, document_type: 'none' });
		assert.equal(r.status, 201, r.text);
		made.push(r.json.id);
	}
	for (const query of ['', '&q=' + encodeURIComponent('分页')]) {
		const full = (await all(staffB, query)).map((x) => x.id);
		const seen = [];
		const sizes = [];
		let cursor = null;
		let last;
		for (let i = 0; i < 20; i++) {
			last = await staffB.get(`/api/v1/residents?limit=3${query}${cursor ? `&cursor=${cursor}` : ''}`);
			assert.equal(last.status, 200, last.text);
			sizes.push(last.json.items.length);
			seen.push(...last.json.items.map((x) => x.id));
			cursor = last.json.next_cursor;
			if (cursor === null) break;
			assert.equal(typeof cursor, 'string');
		}
		assert.equal(cursor, null, 'the walk ends');
		assert.equal(new Set(seen).size, seen.length, `no duplicates: ${seen}`);
		assert.deepEqual(seen, full, 'the pages make the whole list');
		for (const m of made) assert.ok(seen.includes(m), `resident ${m} is on a page`);
		assert.ok(sizes.slice(0, -1).every((s) => s === 3), `full pages before the last: ${sizes}`);
		assert.ok(sizes.at(-1) >= 1, 'no empty last page');
		if (query) assert.deepEqual(sizes, [3, 3, 1]);
	}
	// Exactly a page's worth: one page and no cursor.
	const seven = await staffB.get('/api/v1/residents?limit=7&q=' + encodeURIComponent('分页'));
	assert.equal(seven.json.items.length, 7);
	assert.equal(seven.json.next_cursor, null);
});

test('derived tags aged_60, aged_80 and minor come from the birth date', async () => {
	const people = [
		['刘长寿', NOW_YEAR - 85, ['aged_60', 'aged_80']],
		['陈安康', NOW_YEAR - 70, ['aged_60']],
		['杨中年', NOW_YEAR - 40, []],
		['黄幼童', NOW_YEAR - 10, ['minor']],
	];
	for (const [name, year, derived] of people) {
		// One recorded through an ID number, one through birth_date alone.
		const id = newId(`${year}0615`);
		secrets.push(id);
		const viaId = await staffA.post('/api/v1/residents', { name, area_code: A, id_number: id });
		const viaDate = await staffA.post('/api/v1/residents', {
			name: name + '乙',
			area_code: A,
			document_type: 'none',
			birth_date: `${year}-06-15`,
		});
		for (const r of [viaId, viaDate]) {
			assert.equal(r.status, 201, r.text);
			assert.deepEqual([...r.json.derived_tags].sort(), derived, `${r.json.name} born ${year}`);
			const age = NOW_YEAR - year;
			assert.ok(r.json.age === age || r.json.age === age - 1, `${r.json.name}: age ${r.json.age}`);
			assert.ok(!r.json.tags.some((t) => derived.includes(t)), 'derived tags are not assigned tags');
			const got = await gridA.get(`/api/v1/residents/${r.json.id}`);
			assert.deepEqual([...got.json.derived_tags].sort(), derived);
		}
	}
	// They are filters too, offered with the tags: everyone the list gives has the tag, and no one is missed.
	const tags = await gridA.get('/api/v1/tags');
	assert.deepEqual(
		tags.json.items.filter((t) => t.derived).map((t) => t.id),
		['aged_60', 'aged_80', 'minor'],
	);
	const everyone = await all(staffA);
	for (const tag of ['aged_60', 'aged_80', 'minor']) {
		const got = await all(staffA, `&tag=${tag}`);
		assert.ok(got.length >= 2, `${tag}: ${got.length}`);
		assert.deepEqual(
			got.map((x) => x.id).sort(),
			everyone.filter((x) => x.derived_tags.includes(tag)).map((x) => x.id).sort(),
			tag,
		);
	}
	const named = await all(staffA, `&tag=aged_80&q=${encodeURIComponent('长寿')}`);
	assert.deepEqual(namesOf(named), ['刘长寿', '刘长寿乙']);
	assertProblem(await staffA.post('/api/v1/residents', { name: '某', area_code: A, tags: ['aged_60'] }), 422);
});

test('ID and phone numbers are not stored in the clear in the database file', async () => {
	const s = await startServer({ users: [{ username: 'keeper', role: 'community_staff', area: A }] });
	let stopped = false;
	try {
		const c = await s.login('keeper');
		const id = newId('19690817', { male: false });
		const phone = '13687654321';
		const landline = '027-86812345';
		const r = await c.post('/api/v1/residents', { name: '钱存储', area_code: A, id_number: id, phone });
		assert.equal(r.status, 201, r.text);
		const x = idEndingIn123X(1972);
		const r2 = await c.post('/api/v1/residents', { name: '钱座机', area_code: A, id_number: x, phone: landline });
		assert.equal(r2.status, 201, r2.text);
		// Searches by the numbers, unmasking and a refused duplicate: none may leave a plain copy behind.
		for (const q of [id, phone, x]) assert.equal((await c.get(`/api/v1/residents?q=${q}`)).json.items.length, 1);
		assert.equal((await c.post(`/api/v1/residents/${r.json.id}/unmask`, { reason: '存储检查' })).status, 200);
		assertProblem(await c.post('/api/v1/residents', { name: '钱重复', area_code: A, id_number: id }), 409, 'dup');
		await s.stop();
		stopped = true;
		const files = ['', '-wal', '-journal', '-shm'].map((ext) => s.db + ext).filter((f) => fs.existsSync(f));
		const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
		// The scan reads the right bytes: the names and masked forms are there.
		assert.ok(bytes.includes(Buffer.from('钱存储')), 'the resident is in the scanned files');
		assert.ok(bytes.includes(Buffer.from(maskedId(id))), 'the masked number is in the scanned files');
		for (const plain of [id, phone, x, landline, landline.replace('-', '')])
			assert.ok(!bytes.includes(Buffer.from(plain)), `${plain} is in ${files.join(', ')} in the clear`);
	} finally {
		if (!stopped) await s.stop();
	}
});

test('export: the filtered list as CSV through a job, masked, formula-safe, scoped and audited', async () => {
	// A name a spreadsheet would run as a formula.
	const f = await staffA.post('/api/v1/residents', { name: '=1+1', area_code: A, phone: newPhone() });
	assert.equal(f.status, 201, f.text);
	const start = await staffA.post('/api/v1/residents/exports', { q: '小明' });
	assert.equal(start.status, 202, start.text);
	const job = await eventually(
		async () => {
			const r = await staffA.get(`/api/v1/jobs/${start.json.id}`);
			assert.notEqual(r.json.state, 'failed', r.text);
			return r.json.state === 'done' ? r.json : null;
		},
		{ message: 'the export to finish', interval: 100 },
	);
	const file = await staffA.get(job.download);
	assert.equal(file.status, 200);
	assert.match(file.headers['content-type'], /^text\/csv/);
	assert.deepEqual([...file.buffer.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM for Excel');
	const text = file.buffer.subarray(3).toString('utf8');
	assertNoSecrets(text, 'the export');
	const rows = parseCsv(text);
	const header = rows.shift();
	const col = (name) => header.findIndex((h) => h.endsWith(' ' + name));
	assert.deepEqual(rows.map((r) => r[col('name')]).sort(), ['张小明', '李小明', '欧阳小明'].sort());
	const zxm = rows.find((r) => r[col('name')] === '张小明');
	assert.equal(zxm[col('id_number')], '420107********123X');
	assert.equal(zxm[col('phone')], '138****5678');

	// Formula cells are neutralised; only the caller's scope is exported.
	const all = await staffA.post('/api/v1/residents/exports', {});
	const done = await eventually(async () => {
		const r = await staffA.get(`/api/v1/jobs/${all.json.id}`);
		return r.json.state === 'done' ? r.json : null;
	});
	const everyone = parseCsv((await staffA.get(done.download)).buffer.subarray(3).toString('utf8'));
	const names = everyone.slice(1).map((r) => r[0]);
	assert.ok(names.includes("'=1+1"), 'the formula is written as text');
	assert.ok(!names.includes('=1+1'));
	const other = await staffB.post('/api/v1/residents/exports', {});
	const theirs = await eventually(async () => {
		const r = await staffB.get(`/api/v1/jobs/${other.json.id}`);
		return r.json.state === 'done' ? r.json : null;
	});
	const theirNames = parseCsv((await staffB.get(theirs.download)).buffer.subarray(3).toString('utf8')).slice(1);
	for (const r of theirNames) assert.notEqual(r[0], '张小明', 'another community exports only its own people');
	// The grid worker may not export by a sensitive tag; nobody exports outside their area.
	assertProblem(await gridA.post('/api/v1/residents/exports', { tag: 'minimum_income' }), 403, 'a sensitive filter');
	assertProblem(await staffB.post('/api/v1/residents/exports', { area: A }), 403, 'another community');
	// Every export is on the record.
	const log = await aud.get('/api/v1/audit?action=resident.export&limit=50');
	assert.equal(log.status, 200, log.text);
	assert.ok(log.json.items.filter((e) => e.outcome === 'success').length >= 3, JSON.stringify(log.json.items));
});
