// Work-order metrics as a district administrator, one request at a time over a
// kept-alive connection, for several selections of area, category, team,
// partner unit and period. Prints {requests_each, selections: [{name, query,
// p50_ms, p99_ms, answer}]} as JSON, where answer is the last response (so two
// runs, e.g. from the rollups and from the records, can be compared).
//   node bench/metrics.mjs URL USERNAME PASSWORD [COUNT] [TEAM] [PARTNER]
import http from 'node:http';

const [url, username, password, count = '40', team = '1', partner = '1'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, body, cookie) {
	return new Promise((resolve, reject) => {
		const req = http.request(new URL(path, url), {
			method, agent,
			headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) },
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on('error', reject);
		req.end(body ? JSON.stringify(body) : undefined);
	});
}

const login = await request('POST', '/api/v1/session', { username, password });
if (login.status !== 200) throw new Error(`login answered ${login.status}`);
const cookie = login.headers['set-cookie'][0].split(';')[0];
const day = (d) => d.toISOString().slice(0, 10);
const now = new Date();
const month = `from=${day(new Date(now - 30 * 86400e3))}&to=${day(now)}`;
const year = `from=${day(new Date(now - 365 * 86400e3))}&to=${day(now)}`;
const selections = [
	['district, last 30 days', month],
	['district, last year (every order)', year],
	['district, last year, one category', `${year}&category=noise`],
	['one community, last year', `${year}&area=420107005008`],
	['one street, last 30 days', `${month}&area=420107005`],
	['one team, last year', `${year}&team=${team}`],
	['one partner unit, last year', `${year}&partner=${partner}`],
	['one community, one category, one unit, last 30 days', `${month}&area=420107005008&category=noise&partner=${partner}`],
];
const out = [];
for (const [name, query] of selections) {
	const times = [];
	let answer = null;
	for (let i = 0; i < +count; i++) {
		const t0 = process.hrtime.bigint();
		const r = await request('GET', `/api/v1/work-orders/metrics?${query}`, null, cookie);
		times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		if (r.status !== 200) throw new Error(`metrics answered ${r.status}: ${r.body}`);
		answer = JSON.parse(r.body);
	}
	times.sort((a, b) => a - b);
	const at = (p) => +times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
	out.push({ name, query, due: answer.due, p50_ms: at(0.5), p99_ms: at(0.99), answer });
}
console.log(JSON.stringify({ requests_each: +count, selections: out }, null, 2));
