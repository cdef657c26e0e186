// Resident export as XLSX (POST /api/v1/residents/exports with format "xlsx"):
// a valid workbook with the CSV's columns and masking, text cells for numbers,
// a bold frozen header, formula-looking names neutralised as in the CSV, only
// the caller's scope, and every export audited with its format.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';

import { withCheck } from './lib/ids.mjs';
import { assertProblem, eventually, parseCsv, startServer } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const B = '420107005001'; // 青雅居社区

const people = [
	{ name: '张小明', id_number: withCheck('42010719580312013'), phone: '13812345678', tags: ['party_member'] },
	{ name: '李秀兰', id_number: withCheck('42010719490101022'), phone: '13912340001' },
	{ name: '=1+1', phone: '13912340002' },
	{ name: '@SUM(A1)' },
	{ name: '-2+3' },
	{ name: '+cmd' },
];
const secrets = people.flatMap((p) => [p.id_number, p.phone]).filter(Boolean);

let srv, staffA, staffB, aud;

before(async () => {
	srv = await startServer({
		users: [
			{ username: 'staffA', role: 'community_staff', area: A },
			{ username: 'staffB', role: 'community_staff', area: B },
			{ username: 'aud', role: 'auditor' },
		],
	});
	[staffA, staffB, aud] = await Promise.all(['staffA', 'staffB', 'aud'].map((u) => srv.login(u)));
	for (const p of people) {
		const r = await staffA.post('/api/v1/residents', { ...p, area_code: A, document_type: p.id_number ? 'id_card' : 'none' });
		assert.equal(r.status, 201, r.text);
	}
	const other = await staffB.post('/api/v1/residents', { name: '赵敏', area_code: B, phone: '13912340009' });
	assert.equal(other.status, 201, other.text);
});
after(() => srv?.stop());

/** Start an export as c and return the downloaded file's response. */
async function exportAs(c, body) {
	const start = await c.post('/api/v1/residents/exports', body);
	assert.equal(start.status, 202, start.text);
	const job = await eventually(
		async () => {
			const r = await c.get(`/api/v1/jobs/${start.json.id}`);
			assert.notEqual(r.json.state, 'failed', r.text);
			return r.json.state === 'done' ? r.json : null;
		},
		{ message: 'the export to finish', interval: 100 },
	);
	const file = await c.get(job.download);
	assert.equal(file.status, 200);
	return file;
}

/** The entries of a zip file by name, inflated (read through the central directory). */
function unzip(buf) {
	const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	assert.ok(eocd >= 0, 'a zip file has an end of central directory');
	const count = buf.readUInt16LE(eocd + 10);
	let p = buf.readUInt32LE(eocd + 16);
	const files = {};
	for (let i = 0; i < count; i++) {
		assert.equal(buf.readUInt32LE(p), 0x02014b50, 'a central directory entry');
		const method = buf.readUInt16LE(p + 10);
		const size = buf.readUInt32LE(p + 20);
		const [nameLen, extraLen, commentLen] = [28, 30, 32].map((o) => buf.readUInt16LE(p + o));
		const local = buf.readUInt32LE(p + 42);
		const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
		assert.equal(buf.readUInt32LE(local), 0x04034b50, `local header of ${name}`);
		const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
		const data = buf.subarray(start, start + size);
		files[name] = (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
		p += 46 + nameLen + extraLen + commentLen;
	}
	return files;
}

const unxml = (s) =>
	s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]);

/** The first sheet as rows of cells: {text, type, style} by column letter order. */
function sheetRows(files) {
	const shared = [...(files['xl/sharedStrings.xml'] ?? '').matchAll(/<si>(.*?)<\/si>/gs)].map((m) =>
		unxml([...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join('')),
	);
	const sheet = files['xl/worksheets/sheet1.xml'];
	assert.ok(sheet, 'the workbook has a first sheet');
	return [...sheet.matchAll(/<row [^>]*>(.*?)<\/row>/gs)].map((row) =>
		[...row[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)].map(([, col, attrs, inner = '']) => {
			const type = /\bt="(\w+)"/.exec(attrs)?.[1] ?? 'n';
			const style = Number(/\bs="(\d+)"/.exec(attrs)?.[1] ?? 0);
			let text = unxml([...inner.matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join(''));
			if (type === 's') text = shared[Number(/<v>(\d+)<\/v>/.exec(inner)[1])];
			else if (type === 'n') text = /<v>(.*?)<\/v>/.exec(inner)?.[1] ?? '';
			return { col, text, type, style };
		}),
	);
}

test('xlsx export: a valid workbook with the CSV columns, masked, text numbers, bold frozen header', async () => {
	const file = await exportAs(staffA, { format: 'xlsx' });
	assert.equal(file.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
	assert.match(file.headers['content-disposition'] ?? '', /residents\.xlsx/);
	assert.deepEqual([...file.buffer.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip file');
	const files = unzip(file.buffer);
	for (const part of ['[Content_Types].xml', 'xl/workbook.xml', 'xl/styles.xml', 'xl/worksheets/sheet1.xml'])
		assert.ok(part in files, `the workbook has ${part}`);
	// No full number anywhere in the file, and no formula in the sheet.
	for (const [name, xml] of Object.entries(files))
		for (const s of secrets) assert.ok(!xml.includes(s), `${name} holds the full number ${s}`);
	const sheetXml = files['xl/worksheets/sheet1.xml'];
	assert.doesNotMatch(sheetXml, /<f>/, 'no cell is a formula');

	// The same header and cells as the CSV export of the same list.
	const rows = sheetRows(files);
	const csv = parseCsv((await exportAs(staffA, {})).buffer.subarray(3).toString('utf8'));
	assert.equal(rows.length, csv.length, 'one row per resident and the header');
	const header = csv[0];
	assert.deepEqual(
		rows[0].map((c) => c.text),
		header,
	);
	const letters = header.map((_, i) => String.fromCharCode(65 + i));
	const grid = rows.map((r) => letters.map((l) => r.find((c) => c.col === l)?.text ?? ''));
	assert.deepEqual(grid.slice(1).sort(), csv.slice(1).sort(), 'the same cells as the CSV');

	// Masked numbers, stored as text (never a number in scientific notation).
	const col = (name) => header.findIndex((h) => h.endsWith(' ' + name));
	const zxm = rows.find((r) => r[0].text === '张小明');
	const cell = (r, name) => r.find((c) => c.col === letters[col(name)]);
	assert.equal(cell(zxm, 'id_number').text, people[0].id_number.slice(0, 6) + '********' + people[0].id_number.slice(-4));
	assert.equal(cell(zxm, 'phone').text, '138****5678');
	for (const name of ['id_number', 'phone', 'name']) assert.notEqual(cell(zxm, name).type, 'n', `${name} is text`);
	assert.equal(cell(zxm, 'age').type, 'n', 'the age is a number');
	assert.equal(cell(zxm, 'tags').text, 'party_member');

	// Formula-looking names carry the CSV's leading apostrophe.
	const names = rows.slice(1).map((r) => r[0].text);
	for (const f of ['=1+1', '@SUM(A1)', '-2+3', '+cmd']) {
		assert.ok(names.includes("'" + f), `${f} is neutralised`);
		assert.ok(!names.includes(f));
	}

	// The header row is bold and frozen; the columns have widths.
	assert.match(sheetXml, /<pane [^>]*ySplit="1"[^>]*state="frozen"/);
	assert.equal((sheetXml.match(/<col [^>]*width="[\d.]+"/g) ?? []).length, header.length);
	const xfs = [...files['xl/styles.xml'].match(/<cellXfs[^>]*>(.*?)<\/cellXfs>/s)[1].matchAll(/<xf [^>]*>/g)];
	const fonts = [...files['xl/styles.xml'].match(/<fonts[^>]*>(.*?)<\/fonts>/s)[1].matchAll(/<font>(.*?)<\/font>|<font\/>/gs)];
	for (const c of rows[0]) {
		const font = Number(/fontId="(\d+)"/.exec(xfs[c.style][0])[1]);
		assert.match(fonts[font][0], /<b\/>/, `header ${c.text} is bold`);
	}
	assert.doesNotMatch(fonts[Number(/fontId="(\d+)"/.exec(xfs[cell(zxm, 'name').style][0])[1])][0], /<b\/>/);
});

test('xlsx export: only the caller scope; a bad format is 422; every export audited with its format', async () => {
	const theirs = sheetRows(unzip((await exportAs(staffB, { format: 'xlsx' })).buffer));
	assert.deepEqual(
		theirs.slice(1).map((r) => r[0].text),
		['赵敏'],
	);
	assertProblem(await staffA.post('/api/v1/residents/exports', { format: 'pdf' }), 422, 'an unknown format');
	await exportAs(staffA, { q: '张', format: 'csv' });
	const log = await aud.get('/api/v1/audit?action=resident.export&limit=50');
	assert.equal(log.status, 200, log.text);
	const formats = log.json.items.map((e) => JSON.parse(e.reason).format);
	assert.ok(formats.includes('xlsx'), JSON.stringify(log.json.items));
	assert.ok(formats.includes('csv'), 'the default format is recorded too');
	assert.ok(log.json.items.some((e) => e.username === 'staffB' && JSON.parse(e.reason).format === 'xlsx'));
	assert.ok(log.json.items.some((e) => JSON.parse(e.reason).q === '张'), 'with its filter');
});
