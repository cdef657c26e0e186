// Key rotation (`doorstep key new`, `doorstep key rotate`): every sealed number
// and blind index, and the audit chain, move to the new key in one go; the new
// key serves the same numbers and searches, the old one no longer opens the
// database, and a bad new key file, or an audit log that does not verify,
// changes nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { withCheck } from './lib/ids.mjs';
import { addUser, run, startServer, tempDir } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区

const people = [
	{ name: '王建国', id_number: withCheck('42010719560312013'), phone: '13871110001' },
	{ name: '刘桂英', id_number: withCheck('42010719620827022'), phone: '13971110002' },
	{ name: '陈晓', id_number: withCheck('42010720010105031'), phone: '027-86811234' },
];

/** What the rotation must rewrite, read straight from the database file. */
function keyed(db) {
	const sql =
		"SELECT group_concat(x, '|') FROM (SELECT hex(id_sealed) || hex(id_index) || hex(phone_sealed) ||" +
		" hex(phone_index) AS x FROM residents ORDER BY id) UNION ALL SELECT value FROM meta WHERE key IN" +
		" ('key_check', 'audit_head') UNION ALL SELECT group_concat(hex(hash), '') FROM audit_log";
	return execFileSync('sqlite3', [db, sql]).toString();
}

async function unmaskAll(srv, ids) {
	const staff = await srv.login('staff');
	const out = [];
	for (const id of ids) {
		const r = await staff.post(`/api/v1/residents/${id}/unmask`, { reason: '核对信息' });
		assert.equal(r.status, 200, r.text);
		out.push(r.json);
	}
	return out;
}

test('key rotate: the new key serves the same numbers and searches, the old key no longer opens', async () => {
	const dir = tempDir();
	const db = path.join(dir, 'doorstep.db');
	const oldKey = db + '.key';
	await addUser(db, { username: 'staff', role: 'community_staff', area: A });
	await addUser(db, { username: 'aud', role: 'auditor' });
	let srv = await startServer({ dir, db });
	const ids = [];
	try {
		const staff = await srv.login('staff');
		for (const p of people) {
			const r = await staff.post('/api/v1/residents', { ...p, area_code: A });
			assert.equal(r.status, 201, r.text);
			ids.push(r.json.id);
		}
		assert.deepEqual(
			await unmaskAll(srv, ids),
			people.map((p) => ({ id_number: p.id_number, phone: p.phone })),
		);
	} finally {
		await srv.stop();
	}

	// Usage errors and bad new key files: refused, and nothing changes.
	const before = keyed(db);
	const bad = path.join(dir, 'bad.key');
	fs.writeFileSync(bad, 'not a key\n', { mode: 0o600 });
	const short = path.join(dir, 'short.key');
	fs.writeFileSync(short, 'ab'.repeat(16) + '\n', { mode: 0o600 });
	for (const [args, code, says] of [
		[['key', 'rotate', '--db', db], 64, /usage/],
		[['key', 'rotate', '--db', db, '--new-key', bad, 'extra'], 64, /usage/],
		[['key', 'rotate', '--db', db, '--new-key', path.join(dir, 'missing.key')], 2, /cannot be read/],
		[['key', 'rotate', '--db', db, '--new-key', bad], 2, /not a Doorstep key/],
		[['key', 'rotate', '--db', db, '--new-key', short], 2, /not a Doorstep key/],
		[['key', 'rotate', '--db', path.join(dir, 'none.db'), '--new-key', oldKey], 2, /does not exist/],
	]) {
		const r = await run(args);
		assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
		assert.match(r.stderr, says, args.join(' '));
	}
	assert.ok(!fs.existsSync(path.join(dir, 'none.db')), 'no database is created');
	assert.equal(keyed(db), before, 'nothing changed');

	// A new key file is made first (private, never over another file), then the rotation.
	const newKey = path.join(dir, 'new.key');
	const made = await run(['key', 'new', '--out', newKey]);
	assert.equal(made.code, 0, made.stderr);
	assert.equal(fs.statSync(newKey).mode & 0o777, 0o600);
	assert.match(fs.readFileSync(newKey, 'utf8'), /^[0-9a-f]{64}\n$/);
	assert.equal((await run(['key', 'new', '--out', newKey])).code, 1, 'an existing file is not overwritten');
	const rotated = await run(['key', 'rotate', '--db', db, '--new-key', newKey]);
	assert.equal(rotated.code, 0, rotated.stderr);
	assert.ok(rotated.stdout.includes(`mv '${newKey}' '${oldKey}'`), `says what to do next:\n${rotated.stdout}`);
	const after = keyed(db);
	assert.notEqual(after, before);
	// Every sealed value and index changed, none stayed.
	const [rowsBefore, rowsAfter] = [before, after].map((t) => t.split('\n')[0].split('|'));
	assert.equal(rowsAfter.length, people.length);
	rowsAfter.forEach((row, i) => assert.notEqual(row, rowsBefore[i]));

	// The old key no longer opens the database, clearly; the new one verifies the chain.
	const old = await run(['audit', 'verify', '--db', db]);
	assert.equal(old.code, 1);
	assert.match(old.stderr, /not the key of this database/);
	await assert.rejects(startServer({ dir, db }), /not the key of this database/);
	const verified = await run(['audit', 'verify', '--db', db, '--key', newKey]);
	assert.equal(verified.code, 0, verified.stdout + verified.stderr);

	// With the new key: the same numbers, masked lists as before, search by full numbers (blind index).
	srv = await startServer({ dir, db, key: newKey });
	try {
		assert.deepEqual(
			await unmaskAll(srv, ids),
			people.map((p) => ({ id_number: p.id_number, phone: p.phone })),
		);
		const staff = await srv.login('staff');
		for (const [i, p] of people.entries()) {
			for (const q of [p.id_number, p.phone].filter((x) => !x.includes('-'))) {
				const r = await staff.get(`/api/v1/residents?q=${encodeURIComponent(q)}`);
				assert.equal(r.status, 200, r.text);
				assert.deepEqual(
					r.json.items.map((x) => x.id),
					[ids[i]],
					`search by ${q}`,
				);
			}
		}
		// A number registered again is still a duplicate: the unique blind index was recomputed.
		const dup = await staff.post('/api/v1/residents', { name: '王建国', area_code: A, id_number: people[0].id_number });
		assert.equal(dup.status, 409, dup.text);
		// The rotation is on the record.
		const aud = await srv.login('aud');
		const log = await aud.get('/api/v1/audit?action=key.rotate');
		assert.equal(log.status, 200, log.text);
		assert.equal(log.json.items.length, 1, log.text);
		assert.match(log.json.items[0].reason, /6 sealed values/);
	} finally {
		await srv.stop();
	}
	const still = await run(['audit', 'verify', '--db', db, '--key', newKey]);
	assert.equal(still.code, 0, 'entries written after the rotation chain on under the new key: ' + still.stdout);
});

test('key rotate refuses an audit log that does not verify, and changes nothing', async () => {
	const dir = tempDir();
	const db = path.join(dir, 'doorstep.db');
	await addUser(db, { username: 'staff', role: 'community_staff', area: A });
	await addUser(db, { username: 'staff2', role: 'community_staff', area: A });
	execFileSync('sqlite3', [db, "UPDATE audit_log SET reason = 'edited' WHERE id = 1"]);
	const before = keyed(db);
	const newKey = path.join(dir, 'new.key');
	assert.equal((await run(['key', 'new', '--out', newKey])).code, 0);
	const r = await run(['key', 'rotate', '--db', db, '--new-key', newKey]);
	assert.equal(r.code, 1, r.stdout + r.stderr);
	assert.match(r.stderr, /audit log does not verify \(entry 1\).*nothing was changed/s);
	assert.equal(keyed(db), before, 'nothing changed');
	// The tampering is still visible under the old key, which still opens the database.
	const verify = await run(['audit', 'verify', '--db', db]);
	assert.equal(verify.code, 1, verify.stdout + verify.stderr);
	assert.match(verify.stdout, /entry 1\b/);
});
