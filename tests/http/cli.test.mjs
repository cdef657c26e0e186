// The command line: help, usage errors, `user add` for an existing user, and a
// clean shutdown on SIGTERM with requests in flight.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';

import { PW, addUser, run, startServer, tempDir } from './lib/server.mjs';

test('`doorstep --help` and `doorstep serve --help` explain and exit 0', async () => {
	const top = await run(['--help']);
	assert.equal(top.code, 0, top.stderr);
	for (const cmd of ['serve', 'user add', 'audit verify', 'backup', 'restore', 'migrate', 'apikey add'])
		assert.ok(top.stdout.includes(cmd), `--help lists ${cmd}`);
	const serve = await run(['serve', '--help']);
	assert.equal(serve.code, 0, serve.stderr);
	for (const opt of ['--db', '--listen', '--web', '--threads', '--trust-proxy'])
		assert.ok(serve.stdout.includes(opt), `serve --help names ${opt}`);
	for (const cmd of [['user', 'add'], ['audit', 'verify'], ['backup'], ['restore'], ['apikey', 'add']]) {
		const r = await run([...cmd, '--help']);
		assert.equal(r.code, 0, `${cmd.join(' ')} --help: ${r.stderr}`);
		assert.ok(r.stdout.length > 20);
	}
});

test('usage errors exit 64', async () => {
	const dir = tempDir();
	const db = path.join(dir, 'x.db');
	const cases = [
		[],
		['no-such-command'],
		['serve'],
		['serve', '--db', db],
		['serve', '--db', db, '--listen', 'nonsense'],
		['serve', '--db', db, '--listen', '127.0.0.1:0', '--set', 'no_such_setting=1'],
		['serve', '--db', db, '--listen', '127.0.0.1:0', '--set', 'body_max=1'],
		['serve', '--db', db, '--listen', '127.0.0.1:0', '--bogus'],
		['user', 'add', '--db', db, '--username', 'x1'],
		['user', 'add', '--db', db, '--username', 'x1', '--role', 'emperor', '--password-stdin'],
		['audit', 'verify'],
		['backup', '--db', db],
		['user'],
	];
	for (const args of cases) {
		const r = await run(args, { input: PW + '\n', timeout: 10000 });
		assert.equal(r.code, 64, `doorstep ${args.join(' ')}: exit ${r.code ?? r.signal}\n${r.stderr}`);
		assert.ok(r.stderr.length > 0, `doorstep ${args.join(' ')} says why on stderr`);
	}
});

test('`doorstep user add` for an existing username adds the role', async () => {
	const dir = tempDir();
	const db = path.join(dir, 'd.db');
	await addUser(db, { username: 'sec', role: 'secadmin' });
	await addUser(db, { username: 'dual', role: 'community_staff', area: '420107005008' });
	await addUser(db, { username: 'dual', role: 'grid_worker', area: '420107001001' });
	const weak = await run(['user', 'add', '--db', db, '--username', 'weak', '--role', 'resident', '--password-stdin'], {
		input: 'password\n',
	});
	assert.notEqual(weak.code, 0, 'a weak password is refused');
	const srv = await startServer({ dir, db });
	try {
		const c = await srv.login('dual');
		const roles = c.user.roles.map((g) => `${g.role}@${g.area_code}`).sort();
		assert.deepEqual(roles, ['community_staff@420107005008', 'grid_worker@420107001001']);
		const sec = await srv.login('sec');
		const list = await sec.get('/api/v1/users?q=dual');
		assert.equal(list.json.items.length, 1, 'still one user');
		assertNoUser(await sec.get('/api/v1/users?q=weak'));
	} finally {
		await srv.stop();
	}
});

function assertNoUser(r) {
	assert.equal(r.status, 200);
	assert.deepEqual(r.json.items, []);
}

function login(srv, agent) {
	return new Promise((resolve, reject) => {
		const body = JSON.stringify({ username: 'sec', password: PW });
		const req = http.request(
			{
				host: srv.host,
				port: srv.port,
				method: 'POST',
				path: '/api/v1/session',
				agent,
				headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
			},
			(res) => {
				let text = '';
				res.on('data', (d) => (text += d));
				res.on('end', () => resolve({ status: res.statusCode, text }));
			},
		);
		req.on('error', reject);
		req.end(body);
	});
}

test('SIGTERM while logins are in flight: they get their answers and the server exits 0', async () => {
	const srv = await startServer({ users: [{ username: 'sec', role: 'secadmin' }] });
	const agent = new http.Agent({ keepAlive: false, maxSockets: 16 });
	try {
		// Several logins at once: password hashing keeps them busy for a while.
		const pending = Array.from({ length: 6 }, () => login(srv, agent));
		const first = await Promise.race(pending);
		assert.equal(first.status, 200, first.text);
		srv.proc.kill('SIGTERM');
		const results = await Promise.all(pending);
		for (const r of results) assert.equal(r.status, 200, r.text);
		const { code } = await srv.exited;
		assert.equal(code, 0, srv.stderr());
		srv.stopped = true;
	} finally {
		agent.destroy();
		await srv.stop();
	}
});

test('SIGTERM while a request body is still arriving: the request is finished, then exit 0', async () => {
	const srv = await startServer({ users: [{ username: 'sec', role: 'secadmin' }] });
	try {
		const body = JSON.stringify({ username: 'sec', password: PW });
		const head =
			`POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nContent-Type: application/json\r\n` +
			`Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
		const net = await import('node:net');
		const sock = net.connect(srv.port, srv.host);
		let text = '';
		sock.on('data', (d) => (text += d));
		const closed = new Promise((r) => sock.on('close', r));
		sock.on('error', () => {});
		await new Promise((r) => sock.on('connect', r));
		sock.write(head + body.slice(0, 10));
		await new Promise((r) => setTimeout(r, 200));
		srv.proc.kill('SIGTERM');
		await new Promise((r) => setTimeout(r, 200));
		sock.write(body.slice(10));
		await Promise.race([closed, new Promise((r) => setTimeout(r, 3000))]);
		sock.destroy();
		assert.match(text, /^HTTP\/1\.1 200 /, `the login is answered: ${text.slice(0, 200)}`);
		const { code } = await srv.exited;
		assert.equal(code, 0, srv.stderr());
		srv.stopped = true;
	} finally {
		await srv.stop();
	}
});
