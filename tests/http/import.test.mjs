// `doorstep import residents`: encodings, headers, row checks with a report in
// spreadsheet row numbers, exit codes, all-or-nothing, and re-import updating the
// same people. Results are read back through the API as community staff.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { addUser, eventually, parseCsv, run, startServer, tempDir } from './lib/server.mjs';

const A = '420107005008'; // 青和居社区
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
const withCheck = (d17) => d17 + CHECK[[...d17].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0) % 11];

const dir = tempDir('doorstep-import-');
const db = path.join(dir, 'import.db');
let srv, staff;

/** Write text as a file in the given encoding ('utf8', 'utf8-bom' or 'gb18030'). */
function file(name, text, encoding = 'utf8') {
	const p = path.join(dir, name);
	if (encoding === 'gb18030') fs.writeFileSync(p, gb18030(text));
	else fs.writeFileSync(p, (encoding === 'utf8-bom' ? '\ufeff' : '') + text);
	return p;
}

/** GB18030 bytes of text (the BMP via TextDecoder's table, reversed once). */
let table;
function gb18030(text) {
	if (!table) {
		// Build char → bytes for the two-byte range, which holds every character these tests use.
		table = new Map();
		const dec = new TextDecoder('gb18030');
		for (let hi = 0x81; hi <= 0xfe; hi++)
			for (let lo = 0x40; lo <= 0xfe; lo++) {
				if (lo === 0x7f) continue;
				const ch = dec.decode(Uint8Array.from([hi, lo]));
				if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, [hi, lo]);
			}
	}
	const out = [];
	for (const ch of text) {
		if (ch.charCodeAt(0) < 0x80) out.push(ch.charCodeAt(0));
		else {
			const b = table.get(ch);
			assert.ok(b, `no GB18030 bytes for ${ch}`);
			out.push(...b);
		}
	}
	return Buffer.from(out);
}

const importFile = (p, ...flags) => run(['import', 'residents', '--db', db, p, ...flags]);

const ZS = withCheck('42010719500301001'); // male, 1950-03-01
const LS = withCheck('42010719620715002'); // female
const HEADER = '姓名,社区,性别,出生日期,身份证号,联系电话,网格,小区,楼栋,单元,房号,与户主关系,标签';
const BAD_ROWS = [
	HEADER,
	`张三,青和居社区,男,1950-03-01,${ZS},13812345678,第1网格,和平小区,3栋,2,301,户主,独居;党员`, // row 2: good
	`李四,青和居社区,,,${ZS.slice(0, 17)}${ZS[17] === '0' ? '1' : '0'},13812345679,,,,,,,`, // 3: check character
	'王五,不存在社区,,,,,,,,,,,', // 4: unknown community
	'赵六,青和居社区,,,,1381234567,,,,,,,', // 5: phone
	`钱七,青和居社区,男,,${ZS},,,,,,,,`, // 6: the number of row 2 again
	',青和居社区,,,,,,,,,,,', // 7: no name
	`孙八,青和居社区,男,,${LS},,,,,,,,`, // 8: gender contradicts the ID
	`周九,青和居社区,女,1962-07-15,${LS},13900001111,第1网格,和平小区,3栋,2,301,配偶,低保户`, // 9: good
];

before(async () => {
	await addUser(db, { username: 'staff', role: 'community_staff', area: A });
});
after(() => srv?.stop());

test('a GB18030 file with bad rows: exit 1, exactly those rows reported by spreadsheet row, the rest imported', async () => {
	const report = path.join(dir, 'report.csv');
	const r = await importFile(file('bad.csv', BAD_ROWS.join('\r\n') + '\r\n', 'gb18030'), '--report', report);
	assert.equal(r.code, 1, r.stderr + r.stdout);
	assert.match(r.stdout, /8 rows: 2 new, 0 updated, 6 rejected/);
	const rows = parseCsv(fs.readFileSync(report, 'utf8'));
	assert.deepEqual(rows.shift(), ['row', 'column', 'value', 'reason']);
	assert.deepEqual(
		rows.map(([row, column]) => [row, column]),
		[
			['3', 'id_number'],
			['4', 'community'],
			['5', 'phone'],
			['6', 'id_number'],
			['7', 'name'],
			['8', 'gender'],
		],
	);
	assert.equal(rows[1][2], '不存在社区', 'the value is reported as the file has it (decoded)');
	assert.match(rows[3][3], /earlier row/);

	srv = await startServer({ db, dir });
	staff = await srv.login('staff');
	const list = await staff.get('/api/v1/residents?limit=200');
	assert.equal(list.status, 200, list.text);
	assert.deepEqual(list.json.items.map((x) => x.name).sort(), ['周九', '张三'].sort());
	const zs = list.json.items.find((x) => x.name === '张三');
	assert.equal(zs.birth_date, '1950-03-01');
	assert.equal(zs.gender, 'male');
	assert.equal(zs.phone, '138****5678');
	assert.deepEqual(zs.tags.sort(), ['living_alone', 'party_member']);
	assert.match(zs.area_code, new RegExp(`^${A}\\d{9}$`), 'grid, estate and building were created under the community');
	// Both good rows share one household at 3栋 2单元 301.
	const hh = await staff.get(`/api/v1/households/${zs.household_id}`);
	assert.equal(hh.status, 200, hh.text);
	assert.equal(hh.json.unit, '2');
	assert.equal(hh.json.room, '301');
	assert.deepEqual(hh.json.members.map((m) => m.name).sort(), ['周九', '张三'].sort());
	const area = await staff.get(`/api/v1/areas/${zs.area_code}`);
	assert.equal(area.json.kind, 'building');
	assert.equal(area.json.name, '3栋');
});

test('importing the same file again creates no duplicates and updates the people', async () => {
	const changed = BAD_ROWS.map((l) => l.replace('13812345678', '13822223333'));
	const r = await importFile(file('again.csv', changed.join('\r\n') + '\r\n', 'gb18030'));
	assert.equal(r.code, 1, r.stderr);
	assert.match(r.stdout, /0 new, 2 updated, 6 rejected/);
	const list = await staff.get('/api/v1/residents?limit=200');
	assert.equal(list.json.items.length, 2);
	assert.equal(list.json.items.find((x) => x.name === '张三').phone, '138****3333');
	const un = await staff.post(`/api/v1/residents/${list.json.items.find((x) => x.name === '张三').id}/unmask`, {
		reason: '核对导入',
	});
	assert.equal(un.json.phone, '13822223333');
	// A changed address moves the person: search finds them at the new one.
	const moved = [HEADER, `张三,青和居社区,男,1950-03-01,${ZS},,第2网格,,,,,,`];
	assert.equal((await importFile(file('moved.csv', moved.join('\n') + '\n'))).code, 0);
	const found = await staff.get('/api/v1/residents?q=' + encodeURIComponent('张三'));
	assert.equal(found.json.items.length, 1);
	assert.notEqual(found.json.items[0].area_code, list.json.items.find((x) => x.name === '张三').area_code);
	// Areas made by another process (this CLI) reach a running server's area tree within seconds.
	const grid = await eventually(async () => {
		const g = await staff.get(`/api/v1/areas/${found.json.items[0].area_code}`);
		return g.status === 200 ? g.json : null;
	}, { timeout: 8000, interval: 250, message: 'the new grid to be served' });
	assert.equal(grid.name, '第2网格');
	// The move is in the resident's history.
	const history = await staff.get(`/api/v1/residents/${found.json.items[0].id}/events`);
	assert.equal(history.status, 200, history.text);
	assert.equal(history.json.items.length, 1);
	assert.equal(history.json.items[0].kind, 'move');
	assert.equal(history.json.items[0].status, 'confirmed');
	assert.match(history.json.items[0].details, new RegExp(` -> ${found.json.items[0].area_code}$`));
});

test('UTF-8 with a BOM, English headers in another order, quoted commas, quotes and line breaks', async () => {
	const lines = [
		'phone,tags,name,community,relation,birth_date,gender',
		'027-86812345,"低保、残疾","吴,一",青和居社区,其他,1941/2/3,女',
		'13700001111,"key_care","郑 ""二""",青和居社区,户主,19800101,男',
		'13700002222,,"冯\n三",420107005008,,,',
	];
	const r = await importFile(file('bom.csv', lines.join('\r\n') + '\r\n', 'utf8-bom'));
	assert.equal(r.code, 0, r.stderr + r.stdout);
	assert.match(r.stdout, /3 rows: 3 new/);
	const list = await staff.get('/api/v1/residents?limit=200');
	const names = list.json.items.map((x) => x.name);
	for (const n of ['吴,一', '郑 "二"', '冯\n三']) assert.ok(names.includes(n), `${JSON.stringify(n)} in ${names}`);
	const wu = list.json.items.find((x) => x.name === '吴,一');
	assert.equal(wu.birth_date, '1941-02-03');
	assert.equal(wu.phone, '027-******45');
	assert.deepEqual(wu.tags.sort(), ['disabled', 'minimum_income']);
	assert.equal(wu.area_code, A, 'without an address below it, the resident lives in the community');
});

test('--all-or-nothing imports nothing when a row is rejected; unreadable files exit 2 and store nothing', async () => {
	const before = (await staff.get('/api/v1/residents?limit=200')).json.items.length;
	const fresh = [HEADER, `新人,青和居社区,,,,13600001111,,,,,,,`, `坏人,青和居社区,,,,123,,,,,,,`];
	const r = await importFile(file('aon.csv', fresh.join('\n') + '\n'), '--all-or-nothing');
	assert.equal(r.code, 1, r.stderr);
	assert.equal((await staff.get('/api/v1/residents?limit=200')).json.items.length, before);

	const noHeader = await importFile(file('nohead.csv', 'name,street\n新人,工人村\n'));
	assert.equal(noHeader.code, 2);
	assert.match(noHeader.stderr, /姓名.*社区/);
	const garbage = path.join(dir, 'garbage.csv');
	fs.writeFileSync(garbage, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x00]));
	const bin = await importFile(garbage);
	assert.equal(bin.code, 2);
	assert.match(bin.stderr, /UTF-8|GB18030/);
	const usage = await run(['import', 'residents', '--db', db]);
	assert.equal(usage.code, 64);
	assert.equal((await staff.get('/api/v1/residents?limit=200')).json.items.length, before);
});
