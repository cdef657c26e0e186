// Changing a resident's record (PATCH /api/v1/residents/{id}): optimistic
// versions, the same checks as registering, clearing values with null, a new
// household elsewhere recorded as a move, scope, and an audit entry that names
// the fields changed but not their values.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { newId } from './lib/ids.mjs';
import { assertProblem, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const B = '420107005001'; // 青雅居社区, the same street
const STREET = '420107005';

let srv, staffA, staffB, knockA, streetAdm, aud;

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staffA', role: 'community_staff', area: A },
			{ username: 'staffB', role: 'community_staff', area: B },
			{ username: 'knockA', role: 'doorknocker', area: A },
			{ username: 'streetadm', role: 'street_admin', area: STREET },
			{ username: 'aud', role: 'auditor' },
		],
	});
	[staffA, staffB, knockA, streetAdm, aud] = await Promise.all(
		['staffA', 'staffB', 'knockA', 'streetadm', 'aud'].map((u) => srv.login(u)),
	);
});
after(() => srv?.stop());

const patch = (c, id, body) => c.req('PATCH', `/api/v1/residents/${id}`, { body });

async function register(body) {
	const r = await staffA.post('/api/v1/residents', { area_code: A, ...body });
	assert.equal(r.status, 201, r.text);
	return r.json;
}

test('a change is saved, raises the version and is found by the new name only', async () => {
	const id = newId('19560304');
	const res = await register({ name: '周建国', id_number: id, phone: '13911112222', notes: '' });
	const r = await patch(staffA, res.id, {
		version: res.version,
		name: '周建华',
		phone: '027-86812345',
		relation: 'head',
		notes: '子女在外地',
		registered_address: '湖北省孝感市孝南区书院街12号',
	});
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.name, '周建华');
	assert.equal(r.json.phone, '027-******45', 'the new phone, masked');
	assert.equal(r.json.relation, 'head');
	assert.equal(r.json.notes, '子女在外地');
	assert.equal(r.json.registered_address, '湖北省孝感市孝南区书院街12号');
	assert.equal(r.json.version, res.version + 1);
	assert.equal(r.json.id_number, res.id_number, 'the ID number is kept when not sent');
	const found = await staffA.get(`/api/v1/residents?q=${encodeURIComponent('建华')}`);
	assert.deepEqual(
		found.json.items.map((x) => x.id),
		[res.id],
	);
	const old = await staffA.get(`/api/v1/residents?q=${encodeURIComponent('建国')}`);
	assert.deepEqual(old.json.items, [], 'the old name is no longer found');
	const unmasked = await staffA.post(`/api/v1/residents/${res.id}/unmask`, { reason: '核对电话' });
	assert.equal(unmasked.json.phone, '027-86812345');
	assert.equal(unmasked.json.id_number, id);
});

test('a stale version is 409 and changes nothing', async () => {
	const res = await register({ name: '吴桂英', id_number: newId('19480520', { male: false }) });
	assert.equal((await patch(staffA, res.id, { version: res.version, notes: '第一次' })).status, 200);
	const r = await patch(staffA, res.id, { version: res.version, notes: '第二次' });
	assertProblem(r, 409);
	const now = await staffA.get(`/api/v1/residents/${res.id}`);
	assert.equal(now.json.notes, '第一次');
	assert.equal(now.json.version, res.version + 1);
});

test('bad values are 422 and change nothing; the ID number decides birth date and gender', async () => {
	const res = await register({ name: '郑秀兰', id_number: newId('19620711', { male: false }) });
	const cases = [
		[{ phone: '12345' }, 'phone'],
		[{ birth_date: '1970-01-01' }, 'birth_date'], // follows from the ID number on record
		[{ gender: 'male' }, 'gender'],
		[{ id_number: newId('19620711', { male: false }).slice(0, 17) + '0' }, 'id_number'],
		[{ id_number: newId('19620711', { male: true }), gender: 'female' }, 'gender'],
		[{ document_type: 'passport' }, 'id_number'], // a new type needs its number
		[{ tags: ['no_such_tag'] }, 'tags[0]'],
		[{ name: '' }, 'name'],
		[{ household_id: 999999 }, 'household_id'],
	];
	for (const [body, field] of cases) {
		const r = await patch(staffA, res.id, { version: res.version, ...body });
		assertProblem(r, 422, JSON.stringify(body));
		assert.ok(
			r.json.errors.some((e) => e.field === field),
			`${JSON.stringify(body)}: ${JSON.stringify(r.json.errors)}`,
		);
	}
	const now = await staffA.get(`/api/v1/residents/${res.id}`);
	assert.deepEqual(now.json, res, 'nothing was written');
	// A document number registered to someone else is a conflict.
	const other = await register({ name: '王芳', id_number: newId('19900101', { male: false }) });
	const taken = (await staffA.post(`/api/v1/residents/${other.id}/unmask`, { reason: '核对' })).json.id_number;
	assertProblem(await patch(staffA, res.id, { version: res.version, id_number: taken }), 409);
});

test('null clears a phone, relation and registered address; document type none removes the number', async () => {
	const res = await register({
		name: '陈志强',
		id_number: newId('19710203'),
		phone: '13922223333',
		relation: 'head',
		registered_address: '武汉市江岸区',
	});
	const r = await patch(staffA, res.id, {
		version: res.version,
		phone: null,
		relation: null,
		registered_address: null,
		document_type: 'none',
	});
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.phone, null);
	assert.equal(r.json.relation, null);
	assert.equal(r.json.registered_address, null);
	assert.equal(r.json.document_type, 'none');
	assert.equal(r.json.id_number, null);
	const unmasked = await staffA.post(`/api/v1/residents/${res.id}/unmask`, { reason: '核对' });
	assert.deepEqual(unmasked.json, { id_number: null, phone: null });
});

test('tags given replace the assigned ones', async () => {
	const res = await register({ name: '刘淑珍', id_number: newId('19400101', { male: false }), tags: ['党员'] });
	assert.deepEqual(res.tags, ['party_member']);
	const r = await patch(staffA, res.id, { version: res.version, tags: ['独居', 'veteran'] });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json.tags, ['living_alone', 'veteran']);
});

test('a household in another community moves the resident: recorded in the history, scope follows', async () => {
	const res = await register({ name: '黄德胜', id_number: newId('19530815') });
	const hb = await staffB.post('/api/v1/households', { area_code: B, unit: '1', room: '102' });
	assert.equal(hb.status, 201, hb.text);
	// Community staff of A cannot reach a household in B.
	assertProblem(await patch(staffA, res.id, { version: res.version, household_id: hb.json.id }), 422);
	const r = await patch(streetAdm, res.id, { version: res.version, household_id: hb.json.id, relation: 'head' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.area_code, B);
	assert.equal(r.json.household_id, hb.json.id);
	const events = await streetAdm.get(`/api/v1/residents/${res.id}/events`);
	assert.equal(events.status, 200, events.text);
	const move = events.json.items.find((e) => e.kind === 'move');
	assert.ok(move, JSON.stringify(events.json.items));
	assert.equal(move.status, 'confirmed');
	assert.equal(move.details, `${A} -> ${B}`);
	assertProblem(await staffA.get(`/api/v1/residents/${res.id}`), 404);
	assert.equal((await staffB.get(`/api/v1/residents/${res.id}`)).status, 200);
});

test('out of scope is 404, without residents.write 403; the audit names fields, not values', async () => {
	const res = await register({ name: '孙丽华', id_number: newId('19650101', { male: false }) });
	assertProblem(await patch(staffB, res.id, { version: res.version, notes: 'x' }), 404);
	assertProblem(await patch(knockA, res.id, { version: res.version, notes: 'x' }), 403);
	assertProblem(await patch(staffA, 99999999, { version: 1, notes: 'x' }), 404);
	assertProblem(await patch(staffA, res.id, { notes: 'x' }), 422); // the version is required
	const r = await patch(staffA, res.id, { version: res.version, phone: '13955556666', notes: '腿脚不便' });
	assert.equal(r.status, 200, r.text);
	const log = await aud.get('/api/v1/audit?action=resident.update&limit=50');
	const entry = log.json.items.find((e) => e.object === `resident:${res.id}`);
	assert.ok(entry, JSON.stringify(log.json.items));
	assert.equal(entry.username, 'staffA');
	assert.deepEqual(entry.reason.split(',').sort(), ['notes', 'phone']);
	assert.ok(!log.text.includes('13955556666') && !log.text.includes('腿脚不便'), 'no values in the audit log');
});
