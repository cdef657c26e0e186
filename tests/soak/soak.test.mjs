// Soak: a mixed read/write load (searches, resident and household reads, inbox
// and order pages, visits, registrations, work-order steps, logins) for
// SOAK_SECONDS, sampling the server's RSS and open descriptors from /proc every
// SOAK_SAMPLE seconds. After the warm-up (the first 20 %), growth beyond the
// bound fails: RSS by more than 10 % or 16 MiB (whichever is larger), or more
// than 8 descriptors. Growth is the least sample of the last 20 % of the run
// against the least of the warm-up's second half: a login's 19 MiB (argon2id)
// or a connection's descriptor come and go, a leak raises the floor. Then SIGTERM: the server must exit 0, and with
//   SOAK_LEAKS=1     (an AddressSanitizer build, ASAN_OPTIONS=detect_leaks=1) LeakSanitizer reports nothing;
//   SOAK_VALGRIND=1  (the server under valgrind --leak-check=full) nothing is definitely or indirectly lost.
// Under a sanitizer or valgrind, memory is theirs to manage (quarantine, shadow):
// RSS is reported but not bounded there. SOAK_RESULTS=DIR writes soak.json and soak.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Client, Target } from '../load/client.mjs';
import { BIN, PW, sample, startServer, tempDir } from '../load/server.mjs';
import { Ledger, loginLogout, makeAccounts, read, rng, writeOnce } from '../load/workload.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS || 20);
const SAMPLE = Number(process.env.SOAK_SAMPLE || (SECONDS >= 120 ? 5 : 1));
const VALGRIND = process.env.SOAK_VALGRIND === '1';
const LEAKS = process.env.SOAK_LEAKS === '1';
const RESULTS = process.env.SOAK_RESULTS;
const SEED = Number(process.env.LOAD_SEED || Math.floor(Math.random() * 2 ** 31));
const WARMUP = 0.2;
const RSS_BOUND = (base) => Math.max(base * 0.1, 16 * 1024); // KiB
const FD_BOUND = 8;
// valgrind runs the server 20-50 times slower: fewer logins (argon2id, 19 MiB each).
const LOGIN_EVERY_MS = VALGRIND ? 10000 : 1000;

const dir = tempDir('doorstep-soak-');
const db = path.join(dir, 'doorstep.db');
const ledger = new Ledger();
const rand = rng(SEED);
let srv;
let target;
const samples = [];
let exit;
let leakReport = '';
let result = null; // the load test's figures, for the results file

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
	await makeAccounts(db, 2);
	const wrap = VALGRIND
		? ['valgrind', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', '--num-callers=30']
		: [];
	srv = await startServer({ db, wrap, startTimeout: VALGRIND ? 300000 : 60000 });
	target = new Target(srv.url);
});

after(async () => {
	if (srv && !srv.done) await srv.kill();
	target?.close();
});

test(`${SECONDS} s of mixed load: RSS and descriptors stay flat after the warm-up`, { timeout: (SECONDS + 600) * 1000 }, async (t) => {
	t.diagnostic(`seed ${SEED}, ${path.relative(process.cwd(), BIN)}${VALGRIND ? ' under valgrind' : ''}${LEAKS ? ' with LeakSanitizer' : ''}`);
	const login = async (u) => {
		const c = new Client(target, u, PW);
		await c.login();
		return c;
	};
	const grid = await login('grid');
	const writers = [await login('staff0'), await login('staff1')];
	const readers = [await login('reader'), await login('reader'), await login('reader')];
	const t0 = Date.now();
	const end = t0 + SECONDS * 1000;
	const done = () => Date.now() >= end;
	const loops = [
		// Writers pace themselves so the database grows slowly: the bound is for leaks, not for a cache filling.
		...writers.map(async (c) => {
			const r = rng(Math.floor(rand() * 2 ** 31));
			while (!done()) {
				const before = ledger.stats.unanswered;
				await writeOnce(c, grid, ledger, r);
				if (ledger.stats.unanswered > before) throw new Error('a write got no answer');
				await sleep(VALGRIND ? 200 : 40);
			}
		}),
		...readers.map(async (c) => {
			const r = rng(Math.floor(rand() * 2 ** 31));
			while (!done()) await read(c, ledger, r);
		}),
		(async () => {
			while (!done()) {
				await loginLogout(target, ledger, 'knock');
				await sleep(LOGIN_EVERY_MS);
			}
		})(),
	];
	const sampler = (async () => {
		for (;;) {
			samples.push({ t: (Date.now() - t0) / 1000, ...sample(srv.pid) });
			if (done()) return;
			await sleep(Math.min(SAMPLE * 1000, Math.max(0, end - Date.now())));
		}
	})();
	await Promise.all([...loops, sampler]);
	const floor = (from, to) => {
		const xs = samples.filter((s) => s.t >= SECONDS * from && s.t <= SECONDS * to);
		return { rss_kib: Math.min(...xs.map((s) => s.rss_kib)), fds: Math.min(...xs.map((s) => s.fds)) };
	};
	const base = floor(WARMUP / 2, WARMUP);
	const last = floor(0.8, 1);
	const later = samples.filter((s) => s.t > SECONDS * WARMUP);
	const maxRss = Math.max(...later.map((s) => s.rss_kib));
	const maxFds = Math.max(...later.map((s) => s.fds));
	// Least-squares slope of the RSS floor after the warm-up (each sample's least with its
	// two neighbours each side, so a login's peak does not tilt it), for the report.
	const lows = later.map((s, i) => ({ t: s.t, rss: Math.min(...later.slice(Math.max(0, i - 2), i + 3).map((x) => x.rss_kib)) }));
	const mt = lows.reduce((a, s) => a + s.t, 0) / lows.length;
	const mr = lows.reduce((a, s) => a + s.rss, 0) / lows.length;
	const slope = (lows.reduce((a, s) => a + (s.t - mt) * (s.rss - mr), 0) / lows.reduce((a, s) => a + (s.t - mt) ** 2, 0)) * 60;
	result = {
		seconds: SECONDS,
		binary: path.relative(process.cwd(), BIN),
		valgrind: VALGRIND,
		leak_sanitizer: LEAKS,
		sample_seconds: SAMPLE,
		warmup_seconds: SECONDS * WARMUP,
		baseline: base,
		last_fifth: last,
		max_after_warmup: { rss_kib: maxRss, fds: maxFds },
		growth: { rss_kib: last.rss_kib - base.rss_kib, fds: last.fds - base.fds },
		rss_slope_kib_per_min: Math.round(slope),
		bound: { rss_kib: Math.round(RSS_BOUND(base.rss_kib)), fds: FD_BOUND, rss_checked: !VALGRIND && !LEAKS },
		load: {
			writes_acknowledged: ledger.stats.acked,
			reads: ledger.stats.reads,
			logins: ledger.stats.logins,
			residents: ledger.residents.size,
			visits: ledger.visits.size,
			work_orders: ledger.orders.size,
		},
		samples,
	};
	t.diagnostic(
		`${samples.length} samples; RSS floor ${base.rss_kib} KiB after the warm-up, ${last.rss_kib} KiB in the last fifth ` +
			`(${result.growth.rss_kib >= 0 ? '+' : ''}${result.growth.rss_kib} KiB, bound ${result.bound.rss_kib}; peak ${maxRss}; ` +
			`floor trend ${result.rss_slope_kib_per_min} KiB/min); descriptors ${base.fds} → ${last.fds} (peak ${maxFds}); ` +
			`${ledger.stats.acked} writes, ${ledger.stats.reads} reads, ${ledger.stats.logins} logins`,
	);
	assert.deepEqual(ledger.problems, [], 'every request of the load answered as expected');
	assert.ok(samples.length >= 5, `only ${samples.length} samples`);
	assert.ok(result.growth.fds <= FD_BOUND, `descriptors grew by ${result.growth.fds}`);
	if (result.bound.rss_checked)
		assert.ok(result.growth.rss_kib <= result.bound.rss_kib, `RSS grew by ${result.growth.rss_kib} KiB`);
});

test('stopped with SIGTERM: a clean exit, and nothing leaked', { timeout: 900000 }, async (t) => {
	exit = await srv.stop(VALGRIND ? 600000 : 60000);
	const err = srv.stderr();
	if (LEAKS) {
		const m = /==\d+==ERROR: LeakSanitizer[\s\S]*?SUMMARY: [^\n]*/.exec(err);
		leakReport = m ? m[0] : '';
		assert.equal(leakReport, '', 'LeakSanitizer found leaks');
		t.diagnostic('LeakSanitizer: no leaks');
	}
	if (VALGRIND) {
		const lost = (kind) => Number((new RegExp(`${kind} lost: ([\\d,]+) bytes`).exec(err)?.[1] ?? '0').replaceAll(',', ''));
		const summary = /LEAK SUMMARY:[\s\S]*?suppressed:[^\n]*/.exec(err)?.[0] ?? /All heap blocks were freed[^\n]*/.exec(err)?.[0] ?? '';
		leakReport = summary.replace(/==\d+== ?/g, '');
		t.diagnostic(`valgrind: ${leakReport.replace(/\s+/g, ' ')}`);
		assert.ok(summary, `no valgrind summary:\n${err.slice(-3000)}`);
		assert.equal(lost('definitely'), 0, 'definitely lost');
		assert.equal(lost('indirectly'), 0, 'indirectly lost');
	}
	assert.equal(exit.code, 0, `exit ${exit.code ?? exit.signal}:\n${err.slice(-4000)}`);
});

test('results are written where asked', (t) => {
	if (!RESULTS) return t.skip('SOAK_RESULTS not set');
	const r = result;
	assert.ok(r, 'the load test ran');
	r.date = new Date().toISOString();
	r.exit = exit;
	r.leak_report = leakReport;
	fs.mkdirSync(RESULTS, { recursive: true });
	fs.writeFileSync(path.join(RESULTS, 'soak.json'), JSON.stringify(r, null, 1) + '\n');
	const mib = (k) => (k / 1024).toFixed(1);
	const md = [
		`# Soak: ${r.seconds} s of mixed load`,
		'',
		`\`${r.binary}\`${r.valgrind ? ' under valgrind --leak-check=full' : ''}; RSS and open descriptors of the server sampled every ${r.sample_seconds} s ` +
			`from /proc; the first ${r.warmup_seconds} s are warm-up.`,
		'',
		'Growth is the least sample of the last fifth against the least of the warm-up’s second half (transient peaks,',
		'such as a login’s 19 MiB for argon2id, come and go; a leak raises the floor).',
		'',
		'| | warm-up floor | last-fifth floor | growth | bound | peak after warm-up |',
		'|---|---|---|---|---|---|',
		`| RSS | ${mib(r.baseline.rss_kib)} MiB | ${mib(r.last_fifth.rss_kib)} MiB | ${mib(r.growth.rss_kib)} MiB | ${r.bound.rss_checked ? `${mib(r.bound.rss_kib)} MiB (10 % or 16 MiB)` : 'not checked'} | ${mib(r.max_after_warmup.rss_kib)} MiB |`,
		`| descriptors | ${r.baseline.fds} | ${r.last_fifth.fds} | ${r.growth.fds} | ${r.bound.fds} | ${r.max_after_warmup.fds} |`,
		'',
		`Trend of the RSS floor after the warm-up (least squares): ${r.rss_slope_kib_per_min} KiB per minute.`,
		'',
		`Load: ${r.load.writes_acknowledged} writes acknowledged (${r.load.residents} residents, ${r.load.visits} visits, ` +
			`${r.load.work_orders} work orders), ${r.load.reads} reads, ${r.load.logins} logins. Exit after SIGTERM: ${r.exit?.code ?? r.exit?.signal}.` +
			(r.valgrind ? ` valgrind: ${r.leak_report.replace(/\s+/g, ' ').trim()}` : ''),
		'',
	].join('\n');
	fs.writeFileSync(path.join(RESULTS, 'soak.md'), md);
	t.diagnostic(`wrote ${path.join(RESULTS, 'soak.json')} and soak.md`);
});
