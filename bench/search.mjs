// Name searches as one user, one at a time over a kept-alive connection: the
// latency a community worker sees. Prints {queries, p50_ms, p99_ms, ...} as JSON.
import http from 'node:http';

const [url, username, password, count = '2000'] = process.argv.slice(2);
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
// Common surnames alone, and two-character pieces of given names.
const one = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'.split('');
const two = ['建国', '秀英', '小明', '志强', '丽华', '春梅', '海波', '国华', '玉兰', '文杰'];
const queries = [];
for (let i = 0; i < +count; i++) queries.push(i % 2 ? one[i % one.length] : two[i % two.length]);
const times = [];
let found = 0;
for (const q of queries) {
	const t0 = process.hrtime.bigint();
	const r = await request('GET', `/api/v1/residents?q=${encodeURIComponent(q)}&limit=50`, null, cookie);
	times.push(Number(process.hrtime.bigint() - t0) / 1e6);
	if (r.status !== 200) throw new Error(`search answered ${r.status}`);
	found += JSON.parse(r.body).items.length;
}
times.sort((a, b) => a - b);
const at = (p) => +times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
console.log(JSON.stringify({ queries: times.length, kinds: 'one surname character, or two given-name characters', results_per_query: +(found / times.length).toFixed(1), p50_ms: at(0.5), p99_ms: at(0.99), max_ms: at(1) }));
