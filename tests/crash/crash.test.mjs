// Crash safety: several clients write (residents, visits, work-order steps)
// while the server is killed with SIGKILL at random moments and restarted on
// the same database, again and again. After every kill, on a copy of the files
// as the kill left them: SQLite's integrity check, the derived-row invariants,
// every acknowledged write present with the values sent, unanswered writes
// absent or whole, and the audit chain verifies. At the end: visits left
// unanswered are retried with their Idempotency-Key and stored exactly once,
// acknowledged writes read back through the API, and the cleanly stopped file
// passes the same checks and `doorstep audit verify`.
//
// CRASH_KILLS (default 12) kills, or CRASH_SECONDS to keep killing that long;
// CRASH_WRITERS (default 4) concurrent writers; LOAD_SEED repeats the random choices.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Client, Target } from '../load/client.mjs';
import { PW, run, startServer, tempDir } from '../load/server.mjs';
import { AREA, Ledger, makeAccounts, reconcile, rng, writer } from '../load/workload.mjs';
import { checkInvariants, checkLedger, query } from './checks.mjs';

const KILLS = Number(process.env.CRASH_KILLS || 12);
const SECONDS = Number(process.env.CRASH_SECONDS || 0);
const WRITERS = Number(process.env.CRASH_WRITERS || 4);
const SEED = Number(process.env.LOAD_SEED || Math.floor(Math.random() * 2 ** 31));

const dir = tempDir('doorstep-crash-');
const db = path.join(dir, 'doorstep.db');
const key = db + '.key';
const ledger = new Ledger();
const rand = rng(SEED);
let srv = null;
let target;
let staff, grid;
const kills = { done: 0, mid_request: 0, checked_copies: 0, check_ms: 0 };

async function start() {
	srv = await startServer({ db });
	target.point(srv.url);
}

/** Copy the database as the kill left it (the WAL too: SQLite recovers it on open). */
function snapshot(round) {
	const to = path.join(dir, `kill-${round}`);
	fs.mkdirSync(to);
	for (const suffix of ['', '-wal'])
		if (fs.existsSync(db + suffix)) fs.copyFileSync(db + suffix, path.join(to, 'doorstep.db' + suffix));
	return path.join(to, 'doorstep.db');
}

before(async () => {
	await makeAccounts(db, WRITERS);
	target = new Target('http://127.0.0.1:1');
	await start();
	staff = [];
	for (let i = 0; i < WRITERS; i++) {
		const c = new Client(target, `staff${i}`, PW);
		await c.login();
		staff.push(c);
	}
	grid = new Client(target, 'grid', PW);
	await grid.login();
});

after(async () => {
	await srv?.kill();
	target?.close();
});

test(`acknowledged writes survive ${SECONDS ? `${SECONDS} s of` : KILLS} SIGKILLs, and nothing half-done is visible`, async (t) => {
	t.diagnostic(`seed ${SEED} (LOAD_SEED repeats its choices, not its timing), ${WRITERS} writers`);
	const problems = [];
	const t0 = Date.now();
	for (let round = 1; SECONDS ? Date.now() - t0 < SECONDS * 1000 : round <= KILLS; round++) {
		if (srv == null) await start();
		let stopped = false;
		const load = staff.map((c) => writer(c, grid, ledger, rng(Math.floor(rand() * 2 ** 31)), () => stopped));
		// Kill at a random moment: some early (the first requests), most in full flow.
		const wait = rand() < 0.15 ? 20 + rand() * 200 : 300 + rand() * 2200;
		await new Promise((r) => setTimeout(r, wait));
		const before = ledger.stats.unanswered;
		const exit = await srv.kill();
		assert.equal(exit.signal, 'SIGKILL', `the server died before the kill: ${exit.code}\n${srv.stderr().slice(-2000)}`);
		stopped = true;
		await Promise.all(load);
		srv = null;
		kills.done++;
		if (ledger.stats.unanswered > before) kills.mid_request++;
		const checking = Date.now();
		const copy = snapshot(round);
		const found = [...checkInvariants(copy, { readonly: false }), ...checkLedger(copy, ledger, { readonly: false })];
		const audit = await run(['audit', 'verify', '--db', copy, '--key', key]);
		if (audit.code !== 0) found.push(`audit verify: exit ${audit.code} ${audit.stdout}${audit.stderr}`);
		kills.checked_copies++;
		kills.check_ms += Date.now() - checking;
		fs.rmSync(path.dirname(copy), { recursive: true, force: true });
		for (const p of [...found, ...ledger.problems.splice(0)]) problems.push(`kill ${round} (after ${Math.round(wait)} ms): ${p}`);
		if (problems.length > 50) break;
	}
	await start();
	const s = ledger.stats;
	t.diagnostic(
		`${kills.done} kills (${kills.mid_request} with writes in flight), ${s.acked} writes acknowledged, ` +
			`${s.unanswered} unanswered, ${s.refused} refused; ${ledger.residents.size} residents, ` +
			`${ledger.visits.size} visits, ${ledger.orders.size} work orders acknowledged; ` +
			`${kills.checked_copies} copies checked as the kills left them (${(kills.check_ms / 1000).toFixed(1)} s of checks)`,
	);
	assert.deepEqual(problems, [], `seed ${SEED}`);
	assert.ok(kills.done >= 1 && s.acked > 0, 'the load wrote something');
	assert.equal(staff.reduce((n, c) => n + c.relogins, grid.relogins), 0, 'acknowledged logins keep their sessions');
});

test('visits left unanswered, retried with their Idempotency-Key, are stored once', async (t) => {
	if (srv == null) await start();
	// A key whose first request never finished is taken over after five minutes: move past that.
	const clock = await staff[0].req('PUT', '/test/clock', { now: new Date(Date.now() + 10 * 60000).toISOString().replace(/\.\d+Z$/, 'Z') });
	if (clock.status === 404) return t.skip('no settable clock in this build');
	assert.equal(clock.status, 200, clock.text);
	const by = Object.fromEntries([...staff, grid].map((c) => [c.username, c]));
	let replayed = 0;
	for (const v of ledger.unansweredVisits) {
		const r = await by[v.user].post('/api/v1/visits', v.body, { headers: { 'Idempotency-Key': v.key } });
		assert.equal(r.status, 201, `retry of ${v.key}: ${r.status} ${r.text}`);
		if (r.headers['idempotent-replayed'] === 'true') replayed++;
		ledger.visits.set(r.json.id, { body: v.body, key: v.key, answer: r.json });
	}
	t.diagnostic(`${ledger.unansweredVisits.length} unanswered visits retried, ${replayed} answered from the kept response`);
	ledger.unansweredVisits = [];
	const dup = query(db, 'SELECT notes, count(*) FROM visits GROUP BY notes HAVING count(*) > 1');
	assert.deepEqual(dup, [], 'a visit stored twice');
});

test('acknowledged writes read back through the API with the values sent', async () => {
	if (srv == null) await start();
	const c = staff[0];
	// Orders whose last step went unanswered: find out which way it went.
	for (const [id, o] of ledger.orders) if (o.pending) assert.ok(await reconcile(c, ledger, id, o), ledger.problems.join('\n'));
	for (const [id, { body, answer }] of ledger.residents) {
		const r = await c.get(`/api/v1/residents/${id}`);
		assert.equal(r.status, 200, `resident ${id}: ${r.text}`);
		for (const k of ['name', 'household_id', 'relation', 'document_type', 'id_number', 'phone', 'birth_date', 'gender', 'area_code'])
			assert.deepEqual(r.json[k], answer[k], `resident ${id}: ${k}`);
		assert.deepEqual([...r.json.tags].sort(), [...answer.tags].sort(), `resident ${id}: tags`);
		assert.deepEqual([...answer.tags].sort(), [...body.tags].sort(), `resident ${id}: tags as sent`);
	}
	for (const [hid, members] of ledger.byHousehold) {
		const r = await c.get(`/api/v1/households/${hid}`);
		assert.equal(r.status, 200, `household ${hid}`);
		const listed = r.json.members.map((m) => m.id);
		for (const m of members) assert.ok(listed.includes(m), `household ${hid} lists resident ${m}`);
	}
	for (const [id, { body, answer }] of ledger.visits) {
		const r = await c.get(`/api/v1/visits/${id}`);
		assert.equal(r.status, 200, `visit ${id}: ${r.text}`);
		assert.equal(r.json.notes, body.notes);
		assert.equal(r.json.outcome, body.outcome);
		assert.deepEqual(r.json.seen.map((x) => x.id), body.seen ?? []);
		assert.deepEqual(r.json.work_orders, answer.work_orders);
		for (const o of r.json.work_orders) {
			const w = await c.get(`/api/v1/work-orders/${o}`);
			assert.equal(w.status, 200);
			assert.equal(w.json.origin, `visit:${id}`);
		}
	}
	for (const [id, o] of ledger.orders) {
		const r = await c.get(`/api/v1/work-orders/${id}`);
		assert.equal(r.status, 200, `order ${id}`);
		assert.equal(r.json.state, o.state, `order ${id}: state`);
		assert.equal(r.json.version, o.version, `order ${id}: version`);
		assert.equal(r.json.steps.length, o.version, `order ${id}: one step per version`);
		assert.equal(r.json.steps.at(-1).to, o.state, `order ${id}: the last step`);
		assert.equal(r.json.description, o.desc);
		assert.equal(r.json.area_code, AREA);
	}
	assert.deepEqual(ledger.problems, []);
});

test('stopped cleanly: integrity_check ok, every invariant, and audit verify passes', async (t) => {
	if (srv == null) await start();
	const exit = await srv.stop();
	srv = null;
	assert.equal(exit.code, 0, `SIGTERM exit ${exit.code ?? exit.signal}`);
	assert.deepEqual(query(db, 'PRAGMA integrity_check'), [['ok']]);
	assert.deepEqual(checkInvariants(db), []);
	assert.deepEqual(checkLedger(db, ledger), []);
	const audit = await run(['audit', 'verify', '--db', db, '--key', key]);
	assert.equal(audit.code, 0, audit.stdout + audit.stderr);
	const entries = Number(query(db, 'SELECT count(*) FROM audit_log')[0][0]);
	t.diagnostic(`audit chain of ${entries} entries verifies`);
});
