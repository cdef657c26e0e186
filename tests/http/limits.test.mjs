// Connection limits and timeouts from the settings table: past a limit a
// connection is refused (closed without an answer) and the server keeps serving;
// a client too slow is cut off. Also `doorstep areas load` of another district.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';

import { addUser, rawSocket, run, startServer, tempDir } from './lib/server.mjs';

/** Open a socket and wait until it is connected (or refused). */
function connect(srv) {
	return new Promise((resolve) => {
		const s = net.connect(srv.port, srv.host);
		s.once('connect', () => resolve(s));
		s.once('error', () => resolve(s));
	});
}

/** Whether the server closes s without answering a request within ms. */
function closedWithoutAnswer(s, ms = 3000) {
	return new Promise((resolve) => {
		let text = '';
		const timer = setTimeout(() => resolve(false), ms);
		s.on('data', (d) => (text += d));
		const done = () => {
			clearTimeout(timer);
			resolve(!text.startsWith('HTTP/'));
		};
		s.once('close', done);
		s.once('error', done);
		s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
	});
}

const health = async (srv) => (await rawSocket(srv, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status;

test('past the per-address connection limit a connection is refused, and the server keeps answering', async () => {
	const srv = await startServer({ set: { connections_per_ip: 64 } });
	const open = [];
	try {
		for (let i = 0; i < 64; i++) open.push(await connect(srv));
		await new Promise((r) => setTimeout(r, 200));
		const extra = await connect(srv);
		assert.ok(await closedWithoutAnswer(extra), 'the 65th connection from one address is refused');
		for (const s of open) s.destroy();
		await new Promise((r) => setTimeout(r, 300));
		assert.equal(await health(srv), 200, 'served again once connections close');
	} finally {
		for (const s of open) s.destroy();
		await srv.stop();
	}
});

test('past the total connection limit connections are refused', async () => {
	const srv = await startServer({ set: { connections_max: 16 } });
	const open = [];
	let closedByServer = 0;
	try {
		for (let i = 0; i < 24; i++) {
			const s = await connect(srv);
			s.once('close', () => closedByServer++);
			open.push(s);
		}
		// The HTTP threads share the limit; whatever the split, no more than 16 stay open.
		// Refusals arrive as closes, slower under the sanitizers: wait for them.
		for (let waited = 0; closedByServer < 8 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
		await new Promise((r) => setTimeout(r, 200)); // and no more than those
		assert.equal(closedByServer, 8, `${closedByServer} of 24 connections were refused`);
		for (const s of open) s.destroy();
		await new Promise((r) => setTimeout(r, 300));
		assert.equal(await health(srv), 200, 'served again once connections close');
	} finally {
		for (const s of open) s.destroy();
		await srv.stop();
	}
});

test('a client too slow to send its request is cut off by the timeout', async () => {
	const srv = await startServer({ set: { connection_timeout: 1 } });
	try {
		const t0 = Date.now();
		// Half a request line, then nothing.
		const r = await rawSocket(srv, 'GET /healthz HT', { timeout: 6000 });
		assert.equal(r.closed, true, 'the server closed the connection');
		assert.ok(Date.now() - t0 < 5000, `closed after ${Date.now() - t0} ms`);
		assert.equal(await health(srv), 200);
	} finally {
		await srv.stop();
	}
});

test('doorstep areas load adds another district; a bad file is refused and changes nothing', async () => {
	const dir = tempDir();
	const db = path.join(dir, 'areas.db');
	const district = {
		source: 'test',
		areas: [
			{ code: '420102', name: '江岸区', short_name: '江岸区', kind: 'district', parent: null },
			{ code: '420102001', name: '大智街道', short_name: '大智', kind: 'street', parent: '420102' },
			{ code: '420102001001', name: '测试社区居委会', short_name: '测试社区', kind: 'community', parent: '420102001' },
		],
	};
	const good = path.join(dir, 'district.json');
	fs.writeFileSync(good, JSON.stringify(district));
	const r = await run(['areas', 'load', '--db', db, good]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /loaded 3 areas/);
	const bad = path.join(dir, 'bad.json');
	fs.writeFileSync(bad, JSON.stringify({ areas: [{ code: '42010200', name: 'x', kind: 'street', parent: '999' }] }));
	const rb = await run(['areas', 'load', '--db', db, bad]);
	assert.equal(rb.code, 1);
	assert.match(rb.stderr, /parent/);
	await addUser(db, { username: 'jiangan', role: 'district_admin', area: '420102' });
	const srv = await startServer({ db, dir });
	try {
		const c = await srv.login('jiangan');
		const top = await c.get('/api/v1/areas');
		assert.deepEqual(top.json.items.map((a) => a.code), ['420102']);
		const com = await c.get('/api/v1/areas/420102001001');
		assert.equal(com.status, 200, com.text);
		assert.equal(com.json.short_name, '测试社区');
		assert.equal((await c.get('/api/v1/areas/42010200')).status, 404, 'nothing of the bad file was stored');
		assert.equal((await c.get('/api/v1/areas/420107')).status, 404, 'Qingshan is outside this admin’s scope');
	} finally {
		await srv.stop();
	}
});
