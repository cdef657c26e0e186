// Importing residents through the web app's upload: the CSV is the raw request
// body, a job imports it, the page polls progress, the summary says what
// happened and the report of rejected rows is the download. Rows outside the
// uploader's areas are rejected; uploads have their own size limit; the
// uploaded file does not outlive its job.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { newId } from './lib/ids.mjs';
import { assertProblem, eventually, parseCsv, startServer } from './lib/server.mjs';

const A = '青和居社区'; // 420107005008
const B = '青雅居社区'; // 420107005001, another community of the same street

let srv, staff, knock, aud;

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staff', role: 'community_staff', area: '420107005008' },
			{ username: 'knock', role: 'doorknocker', area: '420107005008' },
			{ username: 'aud', role: 'auditor' },
		],
		set: { body_max: 1024 }, // uploads have their own limit (upload_max)
	});
	[staff, knock, aud] = await Promise.all(['staff', 'knock', 'aud'].map((u) => srv.login(u)));
});
after(() => srv?.stop());

const upload = (c, text, query = '') =>
	c.req('POST', `/api/v1/residents/imports${query}`, {
		body: Buffer.isBuffer(text) ? text : Buffer.from(text),
		raw: true,
		headers: { 'Content-Type': 'text/csv' },
	});

/** Poll a job until it has ended. */
const finished = (c, id) =>
	eventually(
		async () => {
			const r = await c.get(`/api/v1/jobs/${id}`);
			assert.equal(r.status, 200, r.text);
			return ['done', 'failed'].includes(r.json.state) ? r.json : null;
		},
		{ message: `job ${id} to end` },
	);

const names = async (q) =>
	(await staff.get(`/api/v1/residents?q=${encodeURIComponent(q)}`)).json.items.map((x) => x.name).sort();

test('an upload is imported by a job: summary, progress, and a report of the rejected rows', async () => {
	const badId = newId('19700101').slice(0, 17) + '0';
	const padding = '备注'.repeat(200); // the file is larger than body_max, which uploads do not obey
	const csv = [
		'姓名,社区,身份证号,联系电话,楼栋,单元,房号',
		`上传甲,${A},${newId('19500301')},13911110001,1栋,1,101`,
		`上传乙,${A},,13911110002,1栋,1,102`,
		`上传丙,${B},${newId('19600101')},,,,`, // outside the uploader's areas
		`上传丁,${A},${badId},,,,`, // a wrong check character
		`"上传戊",${A},,12345,,,`, // a bad phone
		`${padding},${A},,,,,`, // a name of 400 characters
	].join('\r\n');
	assert.ok(Buffer.byteLength(csv) > 1024);
	const r = await upload(staff, csv);
	assert.equal(r.status, 202, r.text);
	assert.equal(r.json.kind, 'resident_import');
	const job = await finished(staff, r.json.id);
	assert.equal(job.state, 'done', JSON.stringify(job));
	assert.deepEqual(job.summary, { rows: 6, created: 2, updated: 0, rejected: 4, all_or_nothing: false });
	assert.equal(job.progress, job.total, 'progress ends complete');
	assert.ok(job.total > 0);
	assert.ok(job.download, 'the report is downloadable');
	const report = await staff.get(job.download);
	assert.equal(report.status, 200);
	assert.match(report.headers['content-type'], /^text\/csv/);
	assert.deepEqual([...report.buffer.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, for Excel');
	const rows = parseCsv(report.buffer.subarray(3).toString('utf8'));
	assert.deepEqual(rows[0], ['row', 'column', 'value', 'reason']);
	const byRow = Object.fromEntries(rows.slice(1).map((x) => [x[0], x]));
	assert.deepEqual(Object.keys(byRow).sort(), ['4', '5', '6', '7']);
	assert.equal(byRow['4'][1], 'community');
	assert.match(byRow['4'][3], /outside your areas/);
	assert.equal(byRow['5'][1], 'id_number');
	assert.equal(byRow['5'][2], `420${'*'.repeat(13)}${badId.slice(-2)}`, 'masked in a report kept on the server');
	assert.ok(!report.text.includes(badId), 'the full number is not in the report');
	assert.equal(byRow['6'][1], 'phone');
	assert.equal(byRow['7'][1], 'name');
	assert.deepEqual(await names('上传'), ['上传乙', '上传甲']);
	// Someone else cannot see the job or its report.
	assertProblem(await aud.get(`/api/v1/jobs/${r.json.id}`), 404);
	assertProblem(await aud.get(job.download), 404);
	// Importing the same file again updates the same people and creates no one.
	const again = await finished(staff, (await upload(staff, csv)).json.id);
	assert.deepEqual(again.summary, { rows: 6, created: 0, updated: 2, rejected: 4, all_or_nothing: false });
	assert.deepEqual(await names('上传'), ['上传乙', '上传甲']);
	// Each import is on the record with what it did.
	const log = await aud.get('/api/v1/audit?action=resident.import&limit=20');
	const results = log.json.items.filter((e) => e.object === 'job').map((e) => e.reason);
	assert.ok(results.includes('rows 6, created 2, updated 0, rejected 4'), JSON.stringify(results));
});

test('all or nothing: one bad row imports nothing; a clean file has no report', async () => {
	const bad = ['姓名,社区,联系电话', `全无甲,${A},13922220001`, `全无乙,${A},999`].join('\n');
	const j = await finished(staff, (await upload(staff, bad, '?all_or_nothing=true')).json.id);
	assert.equal(j.state, 'done');
	assert.deepEqual(j.summary, { rows: 2, created: 0, updated: 0, rejected: 1, all_or_nothing: true });
	assert.equal(j.progress, j.total, 'refused, yet every row was looked at: the bar ends full');
	assert.deepEqual(await names('全无'), []);
	const good = ['姓名,社区', `全有甲,${A}`].join('\n');
	const k = await finished(staff, (await upload(staff, good, '?all_or_nothing=true')).json.id);
	assert.deepEqual(k.summary, { rows: 1, created: 1, updated: 0, rejected: 0, all_or_nothing: true });
	assert.equal(k.download, null, 'nothing to report');
	assert.deepEqual(await names('全有'), ['全有甲']);
});

test('a file that cannot be read fails the job with the reason', async () => {
	const j = await finished(staff, (await upload(staff, '名字,地址\n张三,某处\n')).json.id);
	assert.equal(j.state, 'failed');
	assert.match(j.error, /姓名/);
	assert.equal(j.summary, null);
	const bytes = await finished(staff, (await upload(staff, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81]))).json.id);
	assert.equal(bytes.state, 'failed');
	assert.ok(bytes.error.length > 0);
});

test('refusals: too large (413), empty (400), no permission (403), no CSRF token (403), bad flag (422)', async () => {
	const small = await startServer({
		users: [{ username: 'small', role: 'community_staff', area: '420107005008' }],
		set: { upload_max: 2048 },
	});
	try {
		const s = await small.login('small');
		const big = '姓名,社区\n' + `某某,${A}\n`.repeat(200);
		assertProblem(await upload(s, big), 413);
		assert.equal((await upload(s, `姓名,社区\n某某,${A}\n`)).status, 202, 'a small file still goes');
	} finally {
		await small.stop();
	}
	assertProblem(await upload(staff, ''), 400);
	assertProblem(await upload(knock, `姓名,社区\n某,${A}\n`), 403);
	const r = await staff.req('POST', '/api/v1/residents/imports', {
		body: Buffer.from(`姓名,社区\n某,${A}\n`),
		raw: true,
		headers: { 'Content-Type': 'text/csv' },
		csrf: false,
	});
	assertProblem(r, 403);
	assertProblem(await upload(staff, `姓名,社区\n某,${A}\n`, '?all_or_nothing=yes'), 422);
});

test('the uploaded file does not outlive its job', async () => {
	const j = await finished(staff, (await upload(staff, `姓名,社区\n留存测试,${A}\n`)).json.id);
	assert.equal(j.state, 'done');
	const left = execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, 'SELECT count(*) FROM jobs WHERE input IS NOT NULL']).toString().trim();
	assert.equal(left, '0');
});
