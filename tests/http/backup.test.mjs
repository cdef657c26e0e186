// Online backup while the server takes writes, restore into a new database,
// serving it with the original key, and refusing to run without the key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { PW, run, startServer } from './lib/server.mjs';

let srv;
let sec;
before(async () => {
	srv = await startServer({ users: [{ username: 'sec', role: 'secadmin' }] });
	sec = await srv.login('sec');
});
after(() => srv?.stop());

let backup;
let restored;

test('`doorstep backup` makes a consistent copy while the server serves writes', async () => {
	const made = await sec.post('/api/v1/users', {
		username: 'before_backup',
		display_name: '备份前',
		password: 'Before-Backup-1x',
	});
	assert.equal(made.status, 201, made.text);
	// Writes keep coming while the backup runs: each unlock and login writes the audit log.
	let writing = true;
	let writes = 0;
	const writer = (async () => {
		while (writing) {
			const r = await sec.post(`/api/v1/users/${made.json.id}/unlock`);
			assert.equal(r.status, 200, r.text);
			writes++;
		}
	})();
	const logins = (async () => {
		while (writing) assert.equal((await srv.client().login('sec', PW)).status, 200);
	})();
	await new Promise((r) => setTimeout(r, 100));
	backup = path.join(srv.dir, 'backup.db');
	const r = await run(['backup', '--db', srv.db, '--out', backup]);
	await new Promise((r) => setTimeout(r, 100));
	writing = false;
	await Promise.all([writer, logins]);
	assert.equal(r.code, 0, r.stderr);
	assert.ok(writes > 0, 'writes went on during the backup');
	assert.ok(fs.statSync(backup).size > 0);
	// The server is unharmed and keeps writing.
	const later = await sec.post('/api/v1/users', { username: 'after_backup', display_name: '备份后', password: 'After-Backup-1x' });
	assert.equal(later.status, 201, later.text);
	// An existing output file is never overwritten.
	const again = await run(['backup', '--db', srv.db, '--out', backup]);
	assert.notEqual(again.code, 0);
});

test('`doorstep restore` into a new database that serves with the original key', async () => {
	assert.ok(backup, 'the backup test ran');
	restored = path.join(srv.dir, 'restored.db');
	const r = await run(['restore', '--from', backup, '--db', restored, '--key', srv.key]);
	assert.equal(r.code, 0, r.stdout + r.stderr);
	const verify = await run(['audit', 'verify', '--db', restored, '--key', srv.key]);
	assert.equal(verify.code, 0, `the restored audit chain verifies: ${verify.stdout}${verify.stderr}`);
	const copy = await startServer({ dir: srv.dir, db: restored, key: srv.key });
	try {
		const c = await copy.login('sec');
		const users = (await c.get('/api/v1/users?limit=200')).json.items.map((u) => u.username);
		assert.ok(users.includes('before_backup'), 'a user made before the backup is there');
		assert.ok(!users.includes('after_backup'), 'a user made after the backup is not');
		const one = await c.get('/api/v1/users?q=before_backup');
		assert.equal(one.json.items[0].display_name, '备份前');
		assert.equal((await copy.client().login('before_backup', 'Before-Backup-1x')).status, 200);
	} finally {
		await copy.stop();
	}
});

test('`doorstep restore --from B --db NEW` (no --key) gives a database that serves with the original key', async () => {
	assert.ok(backup, 'the backup test ran');
	const target = path.join(srv.dir, 'restored-plain.db');
	const r = await run(['restore', '--from', backup, '--db', target]);
	assert.equal(r.code, 0, r.stdout + r.stderr);
	const copy = await startServer({ dir: srv.dir, db: target, key: srv.key });
	try {
		const c = await copy.login('sec');
		const one = await c.get('/api/v1/users?q=before_backup');
		assert.equal(one.status, 200);
		assert.equal(one.json.items.length, 1, 'the user made before the backup is there');
	} finally {
		await copy.stop();
	}
});

test('a database whose key file is missing does not serve, and no new key is made', async () => {
	assert.ok(restored, 'the restore test ran');
	const keyPath = restored + '.key';
	assert.ok(!fs.existsSync(keyPath));
	const r = await run(['serve', '--db', restored, '--listen', '127.0.0.1:0'], { timeout: 10000 });
	assert.notEqual(r.code, 0, 'serve must fail');
	assert.equal(r.signal, null, 'it exits by itself');
	assert.ok(!/^listening on/m.test(r.stdout), r.stdout);
	assert.ok(r.stderr.includes(path.basename(keyPath)), `the message names the key: ${r.stderr}`);
	assert.ok(!fs.existsSync(keyPath), 'no new key file was created');
	// A wrong key is refused as well.
	const wrongKey = path.join(srv.dir, 'wrong.key');
	fs.writeFileSync(wrongKey, 'ab'.repeat(32) + '\n', { mode: 0o600 });
	const wrong = await run(['serve', '--db', restored, '--key', wrongKey, '--listen', '127.0.0.1:0'], { timeout: 10000 });
	assert.notEqual(wrong.code, 0, 'serve with a wrong key must fail');
	assert.ok(!/^listening on/m.test(wrong.stdout));
	// The key file of a new database is private.
	assert.equal(fs.statSync(srv.key).mode & 0o777, 0o600);
});
