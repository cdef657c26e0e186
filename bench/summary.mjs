// The end of make bench: one table of every figure, its target and whether it is met, assembled from
// the JSON each bench wrote in bench/results/ (whichever are there; each keeps its own date and
// command), written to bench/results/summary.md and printed.
//   node bench/summary.mjs
// A result file not known here can join with {date, command, figures: [{what, figure, target, met}]}.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const read = (name) => {
	try {
		const file = path.join(dir, name);
		const r = JSON.parse(fs.readFileSync(file, 'utf8'));
		/* A soak.json written before it kept its date: the date it was committed (a clone's
		 * files all have the clone's time). */
		r.date ??= execFileSync('git', ['log', '-1', '--format=%cI', '--', file], { encoding: 'utf8' }).trim() || null;
		return r;
	} catch (e) {
		if (e.code !== 'ENOENT') console.error(`bench: ${name}: ${e.message}`);
		return null;
	}
};
const n = (v, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const when = (d) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '?');
const rows = [];
const add = (source, what, figure, target, met) =>
	rows.push({ what, figure, target, met, date: when(source.date), command: source.command });

const http = read('http.json');
if (http?.requests) {
	const d = http.database;
	const on = `on ${n(d.residents)} residents`;
	for (const r of http.requests)
		add(http, `HTTP as community staff: ${r.what}, \`${decodeURIComponent(r.request).replace(/residents\/\d+$/, 'residents/{id}')}\` ` +
			`(${n(r.body_bytes)} bytes), vs nginx serving the same bytes`,
			`${n(r.doorstep.median)} vs ${n(r.nginx.median)} req/s: ratio ${r.ratio.toFixed(2)} ` +
			`(${n(r.doorstep.median_server_cpu_us_per_request, 1)} vs ${n(r.nginx.median_server_cpu_us_per_request, 1)} µs CPU/request)`,
			r.target_ratio === null ? '—' : `≥ ${r.target_ratio}`, r.met);
	add(http, 'HTTP: login (its cost is argon2id, 19 MiB, 2 passes, by design)', `median ${n(http.login_ms.median, 1)} ms`, '—', null);
	add(http, `HTTP: the server's peak resident set (VmHWM) under that load, ${on}, one thread`,
		`${n(http.memory.peak_rss_kib / 1024, 1)} MiB` + (http.memory.peak_rss_before_load_kib
			? ` (${n(http.memory.peak_rss_before_load_kib / 1024, 1)} MiB over start-up and a login's argon2id)` : ''),
		'—', null);
	if (d.demo_registry_seconds)
		add(http, `\`doorstep demo\`, ${n(d.residents)} residents: the registry part / the whole command`,
			`${d.demo_registry_seconds} s / ${d.demo_seconds} s`, '< 30 s / < 60 s',
			d.demo_registry_seconds < 30 && d.demo_seconds < 60);
} else if (http) {
	add(http, 'HTTP (an older http.json: re-run bench/run)', `ratio ${http.ratio}`, '≥ 0.8', http.ratio >= 0.8);
}

const registry = read('registry.json');
if (registry) {
	registry.command ??= `RESIDENTS=${registry.demo.residents} IMPORT_ROWS=${registry.import.rows} ` +
		`RUNS=${registry.import.runs.length} SEARCHES=${registry.search.queries} bench/registry`;
	const i = registry.import;
	add(registry, `\`doorstep import residents\`, ${n(i.rows)} rows, vs \`sqlite3 .import\` of the same file`,
		`${i.seconds} s vs ${i.sqlite3_import_seconds} s: ratio ${i.ratio}`, `≤ ${i.target_ratio}`, i.ratio <= i.target_ratio);
	const s = registry.search;
	add(registry, `Residents search as community staff on ${n(registry.demo.residents)} residents, ${n(s.queries)} queries`,
		`p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms`, 'p99 < 20 ms', s.p99_ms < 20);
}

const orders = read('orders.json');
if (orders) {
	orders.command ??= `ORDERS=${orders.orders} REQUESTS=${orders.requests_each} bench/orders`;
	const p99 = Math.max(...orders.selections.map((s) => s.p99_ms));
	const p50 = orders.selections.map((s) => s.p50_ms);
	add(orders, `Work-order metrics on ${n(orders.orders)} orders, ${orders.selections.length} selections` +
		(orders.exact ? ', answers equal to the records\'' : ''),
		`p50 ${Math.min(...p50)}–${Math.max(...p50)} ms, p99 at most ${p99} ms`, `p99 < ${orders.target_p99_ms} ms`,
		p99 < orders.target_p99_ms && orders.exact !== false);
}

const visits = read('visits.json');
if (visits) {
	visits.command ??= `RESIDENTS=${visits.district.residents} RUNS=${visits.plan.runs.length} bench/visits`;
	const p = visits.plan;
	add(visits, `Day planning (\`doorstep plan visits\`) for ${n(visits.district.households)} households`,
		`median ${n(p.median_planning_ms)} ms (whole command ${n(p.median_wall_ms)} ms)`,
		`< ${n(p.target_planning_ms)} ms`, p.median_planning_ms < p.target_planning_ms);
}

// Written by make soak (tests/soak/); its own bounds decide whether it passed.
const soak = read('soak.json');
if (soak?.growth) {
	soak.command ??= `${soak.valgrind ? 'SOAK_VALGRIND=1 ' : ''}SOAK_SECONDS=${soak.seconds} make soak`;
	const mib = (k) => n(k / 1024, 1);
	const rssOk = !soak.bound?.rss_checked || soak.growth.rss_kib <= soak.bound.rss_kib;
	add(soak, `Soak: ${n(soak.seconds)} s of mixed load${soak.valgrind ? ' under valgrind' : ''}, ` +
		`the server's resident set and descriptors after the warm-up, exit on SIGTERM`,
		`RSS growth ${mib(soak.growth.rss_kib)} MiB (peak ${mib(soak.max_after_warmup?.rss_kib ?? 0)} MiB), ` +
		`descriptors ${soak.growth.fds >= 0 ? '+' : ''}${soak.growth.fds}, exit ${soak.exit?.code ?? soak.exit?.signal ?? '?'}`,
		`RSS growth ≤ ${soak.bound?.rss_checked ? `${mib(soak.bound.rss_kib)} MiB` : '(not checked)'}, descriptors ≤ ` +
		`${soak.bound?.fds}, exit 0`,
		rssOk && soak.growth.fds <= soak.bound?.fds && soak.exit?.code === 0);
}

for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
	if (['http.json', 'registry.json', 'orders.json', 'visits.json', 'soak.json'].includes(name)) continue;
	const r = read(name);
	for (const f of r?.figures ?? []) add(r, f.what, f.figure, f.target ?? '—', f.met ?? null);
}

const machine = http?.machine ?? {
	nproc: os.cpus().length, cpu: os.cpus()[0]?.model, memory_mib: Math.round(os.totalmem() / 1048576), kernel: os.release(),
};
const cell = (s) => String(s ?? '').replace(/\|/g, '\\|');
const out = [
	`# Doorstep benchmarks (${when(new Date())} UTC)`,
	'',
	`Machine: ${machine.nproc} CPUs (${machine.cpu}), ${n(machine.memory_mib / 1024, 1)} GiB, Linux ${machine.kernel}; ` +
	'shared with other engineers running tests meanwhile, so the figures are medians and vary between runs. ' +
	'Each figure has the date it was measured and the command that reproduces it (`make bench` runs them all); ' +
	'the details are in `summary-*.md` and the JSON files beside this one.',
	'',
	'| figure | measured | target | met | date (UTC) | command |',
	'|---|---|---|---|---|---|',
	...rows.map((r) => `| ${cell(r.what)} | ${cell(r.figure)} | ${cell(r.target)} | ` +
		`${r.met === null ? '—' : r.met ? 'yes' : '**no**'} | ${r.date} | \`${cell(r.command ?? '?')}\` |`),
];
fs.writeFileSync(path.join(dir, 'summary.md'), `${out.join('\n')}\n`);
console.log(out.join('\n'));
