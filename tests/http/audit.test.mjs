// The audit log: what is logged, the auditor's search and CSV export (a job),
// and `doorstep audit verify` against an entry edited in the database file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { PW, assertProblem, eventually, parseCsv, run, startServer } from './lib/server.mjs';

const WRONG = 'Wrong-Audit-Pass-1';

let srv;
let ids = {};
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'aud', role: 'auditor' },
			{ username: 'aud2', role: 'auditor' },
			{ username: 'sec', role: 'secadmin' },
			{ username: 'staff', role: 'community_staff', area: '420107005008' },
			{ username: 'victim', role: 'community_staff', area: '420107005008' },
		],
	});
	const sec = await srv.login('sec');
	for (const u of (await sec.get('/api/v1/users')).json.items) ids[u.username] = u.id;
	// Things worth auditing.
	assert.equal((await srv.client().login('staff', WRONG)).status, 401);
	const staff = await srv.login('staff');
	assert.equal((await staff.get('/api/v1/audit')).status, 403);
	for (let i = 0; i < 5; i++) await srv.client().login('victim', `${WRONG}${i}`);
	assert.equal((await srv.client().login('victim', PW)).status, 423);
	assert.equal((await sec.post(`/api/v1/users/${ids.victim}/unlock`)).status, 200);
	assert.equal((await sec.post(`/api/v1/users/${ids.staff}/deactivate`)).status, 200);
	assert.equal((await sec.post(`/api/v1/users/${ids.staff}/reactivate`)).status, 200);
});
after(() => srv?.stop());

async function all(c, query = '') {
	const items = [];
	let cursor = null;
	do {
		const r = await c.get(`/api/v1/audit?limit=200${query}${cursor ? `&cursor=${cursor}` : ''}`);
		assert.equal(r.status, 200, r.text);
		items.push(...r.json.items);
		cursor = r.json.next_cursor;
	} while (cursor);
	return items;
}

test('logins, failures, lockouts, denials and user changes are in the audit log', async () => {
	const aud = await srv.login('aud');
	const entries = await all(aud);
	const find = (pred, what) => {
		const e = entries.find(pred);
		assert.ok(e, `${what} is logged`);
		return e;
	};
	const ok = find((e) => e.username === 'staff' && /login/.test(e.action) && e.outcome === 'success', 'a login');
	assert.equal(ok.client, '127.0.0.1');
	assert.match(ok.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
	find((e) => e.username === 'staff' && /login/.test(e.action) && e.outcome === 'failure', 'a failed login');
	find((e) => e.username === 'victim' && /lock/.test(e.action + ' ' + (e.reason ?? '')) && e.outcome !== 'failure', 'a lockout');
	find((e) => e.username === 'victim' && e.outcome === 'denied' && /lock/.test(e.reason ?? ''), 'a login refused while locked');
	find((e) => e.username === 'staff' && e.outcome === 'denied' && /audit/.test(`${e.reason} ${e.object}`), 'a denial');
	const change = (re, who) => (e) => e.username === 'sec' && re.test(e.action) && e.object === `user:${ids[who]}`;
	find(change(/unlock/, 'victim'), 'an unlock');
	find(change(/deactivate/, 'staff'), 'a deactivation');
	find(change(/reactivate/, 'staff'), 'a reactivation');
	// Newest first, ids decreasing.
	for (let i = 1; i < entries.length; i++) assert.ok(entries[i].id < entries[i - 1].id);
	// No passwords in the log.
	assert.ok(!JSON.stringify(entries).includes(WRONG));
	assert.ok(!JSON.stringify(entries).includes(PW));
});

test('the audit log filters by user, action, outcome and time', async () => {
	const aud = await srv.login('aud');
	const byUser = await all(aud, '&username=staff');
	assert.ok(byUser.length >= 3);
	assert.ok(byUser.every((e) => e.username === 'staff'));
	const loginAction = byUser.find((e) => /login/.test(e.action)).action;
	const failures = await all(aud, `&username=staff&action=${encodeURIComponent(loginAction)}&outcome=failure`);
	assert.ok(failures.length >= 1);
	assert.ok(failures.every((e) => e.username === 'staff' && e.action === loginAction && e.outcome === 'failure'));
	const denied = await all(aud, '&outcome=denied');
	assert.ok(denied.length >= 2 && denied.every((e) => e.outcome === 'denied'));
	const future = await all(aud, '&from=2999-01-01T00:00:00Z');
	assert.deepEqual(future, []);
	const past = await all(aud, '&to=2000-01-01T00:00:00Z');
	assert.deepEqual(past, []);
	const now = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
	const window = await all(aud, `&from=2000-01-01T00:00:00Z&to=${now}&username=staff`);
	assert.deepEqual(window.map((e) => e.id), byUser.map((e) => e.id));
	// Paging.
	const page = await aud.get('/api/v1/audit?limit=2');
	assert.equal(page.json.items.length, 2);
	assert.equal(typeof page.json.next_cursor, 'string');
	const next = await aud.get(`/api/v1/audit?limit=2&cursor=${page.json.next_cursor}`);
	assert.ok(next.json.items[0].id < page.json.items[1].id);
	assertProblem(await aud.get('/api/v1/audit?outcome=maybe'), 422, 'bad outcome');
	assertProblem(await aud.get('/api/v1/audit?from=yesterday'), 422, 'bad time');
});


test('an audit export is a job whose CSV (with a BOM) matches the log; others cannot see it', async () => {
	const aud = await srv.login('aud');
	const start = await aud.post('/api/v1/audit/exports', { username: 'staff' });
	assert.equal(start.status, 202, start.text);
	const id = start.json.id;
	assert.ok(['queued', 'running', 'done'].includes(start.json.state));
	const done = await eventually(
		async () => {
			const r = await aud.get(`/api/v1/jobs/${id}`);
			assert.equal(r.status, 200, r.text);
			assert.notEqual(r.json.state, 'failed', r.text);
			return r.json.state === 'done' ? r.json : null;
		},
		{ message: 'the export job to finish', interval: 100 },
	);
	assert.equal(typeof done.download, 'string');
	const file = await aud.get(done.download);
	assert.equal(file.status, 200);
	assert.match(file.headers['content-type'], /^text\/csv/);
	assert.match(file.headers['content-disposition'] ?? '', /attachment/);
	assert.deepEqual([...file.buffer.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM');
	const rows = parseCsv(file.buffer.subarray(3).toString('utf8'));
	const header = rows.shift();
	for (const col of ['id', 'time', 'username', 'action', 'outcome']) assert.ok(header.includes(col), `column ${col}`);
	const col = Object.fromEntries(header.map((h, i) => [h, i]));
	const expected = (await all(aud, '&username=staff')).reverse();
	assert.equal(rows.length, expected.length, 'one row per entry');
	rows.forEach((row, i) => {
		const e = expected[i];
		assert.equal(Number(row[col.id]), e.id);
		assert.equal(row[col.time], e.time);
		assert.equal(row[col.username], 'staff');
		assert.equal(row[col.action], e.action);
		assert.equal(row[col.outcome], e.outcome);
		if (col.reason !== undefined) assert.equal(row[col.reason], e.reason ?? '');
	});
	assert.equal(done.progress, done.total);
	// The export itself is on the record.
	const exports = await all(aud, '&username=aud');
	assert.ok(exports.some((e) => /export/.test(e.action)), 'the export is audited');
	// Another auditor cannot see the job or its file, exactly as if it did not exist.
	const other = await srv.login('aud2');
	const hidden = await other.get(`/api/v1/jobs/${id}`);
	const missing = await other.get('/api/v1/jobs/999999');
	assertProblem(hidden, 404, "another user's job");
	assertProblem(missing, 404, 'no such job');
	assert.deepEqual(hidden.json, missing.json);
	assertProblem(await other.get(`/api/v1/jobs/${id}/result`), 404, "another user's file");
	const sec = await srv.login('sec');
	assertProblem(await sec.get(`/api/v1/jobs/${id}`), 404, "a secadmin and the auditor's job");
});

test('`doorstep audit verify` passes an intact log and names the entry edited in the file', async () => {
	const aud = await srv.login('aud');
	const failure = (await all(aud, '&username=staff&outcome=failure'))[0];
	const count = (await all(aud)).length;
	await srv.stop(); // asserts a clean exit
	const intact = await run(['audit', 'verify', '--db', srv.db]);
	assert.equal(intact.code, 0, intact.stdout + intact.stderr);
	// Edit one entry's reason with the sqlite3 CLI, as an intruder with file access would.
	const triggers = execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log'"])
		.toString()
		.split('\n')
		.filter(Boolean);
	const sql = triggers.map((t) => `DROP TRIGGER "${t}";`).join('') +
		`UPDATE audit_log SET reason = 'nothing happened' WHERE id = ${failure.id};`;
	execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, sql]);
	assert.ok(failure.id < count, 'an entry in the middle of the chain');
	const tampered = await run(['audit', 'verify', '--db', srv.db]);
	assert.equal(tampered.code, 1, tampered.stdout + tampered.stderr);
	assert.match(tampered.stdout + tampered.stderr, new RegExp(`\\b${failure.id}\\b`), 'names the edited entry');
});

test('`doorstep audit verify` exits 2 for a file it cannot read as a database', async () => {
	const missing = await run(['audit', 'verify', '--db', path.join(srv.dir, 'no-such.db')]);
	assert.equal(missing.code, 2, missing.stderr);
	const garbage = path.join(srv.dir, 'garbage.db');
	fs.writeFileSync(garbage, Buffer.alloc(8192, 0x5a));
	const r = await run(['audit', 'verify', '--db', garbage, '--key', srv.key]);
	assert.equal(r.code, 2, r.stdout + r.stderr);
});
