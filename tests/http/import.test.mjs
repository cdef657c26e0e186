// `doorstep import residents`: encodings, headers, row checks with a report in
// spreadsheet row numbers, exit codes, all-or-nothing, and re-import updating the
// same people. Results are read back through the API as community staff.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BIN, addUser, eventually, parseCsv, run, startServer, tempDir } from './lib/server.mjs';

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
	// Into an empty registry the blind indexes' lookup tables are filled at the end of the
	// load: the full numbers find the person.
	for (const q of [ZS, '13812345678']) {
		const found = await staff.get('/api/v1/residents?q=' + q);
		assert.deepEqual(found.json.items.map((x) => x.name), ['张三'], `search by ${q}`);
	}
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
	// Updated in place (a registry that was not empty): the new number finds them, the old one no one.
	assert.deepEqual((await staff.get('/api/v1/residents?q=13822223333')).json.items.map((x) => x.name), ['张三']);
	assert.deepEqual((await staff.get('/api/v1/residents?q=13812345678')).json.items, []);
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

test('户籍地址 is imported as the registered address, and kept when a later import leaves it empty', async () => {
	const lines = [
		'姓名,社区,出生日期,户籍地址',
		'卫一,青和居社区,1960-01-02,湖北省黄冈市浠水县清泉镇',
		'卫二,青和居社区,1961-01-02,',
	];
	assert.equal((await importFile(file('registered.csv', lines.join('\n') + '\n'))).code, 0);
	const again = ['姓名,社区,出生日期,户籍所在地', '卫一,青和居社区,1960-01-02,'];
	const r = await importFile(file('registered2.csv', again.join('\n') + '\n'));
	assert.match(r.stdout, /1 rows: 0 new, 1 updated/);
	const found = await staff.get('/api/v1/residents?q=' + encodeURIComponent('卫'));
	const byName = Object.fromEntries(found.json.items.map((x) => [x.name, x]));
	assert.equal(byName['卫一'].registered_address, '湖北省黄冈市浠水县清泉镇');
	assert.equal(byName['卫二'].registered_address, null);
});

test('a row that fails after some of its writes leaves none of them behind; the other rows are imported', async () => {
	// A trigger stands in for any failure late in a row (here: storing the person, after
	// its grid, estate, building and household were created).
	const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
	sql("CREATE TRIGGER test_refuse BEFORE INSERT ON residents WHEN NEW.name = '韩拒' BEGIN SELECT RAISE(ABORT, 'refused'); END");
	try {
		const lines = [
			HEADER,
			'韩甲,青和居社区,,,,,第7网格,甲小区,1栋,1,101,,',
			'韩拒,青和居社区,,,,,第8网格,拒小区,9栋,9,909,,',
			'韩乙,青和居社区,,,,,第7网格,甲小区,1栋,1,102,,',
		];
		const report = path.join(dir, 'refused-report.csv');
		const r = await importFile(file('refused.csv', lines.join('\r\n') + '\r\n'), '--report', report);
		assert.equal(r.code, 1, r.stderr + r.stdout);
		assert.match(r.stdout, /3 rows: 2 new, 0 updated, 1 rejected/);
		const rows = parseCsv(fs.readFileSync(report, 'utf8'));
		assert.deepEqual(rows.slice(1).map(([row, column, value]) => [row, column, value]), [['3', 'name', '韩拒']]);
		assert.equal(sql("SELECT count(*) FROM areas WHERE name IN ('第8网格', '拒小区')"), '0', 'no areas of the failed row');
		assert.equal(sql("SELECT count(*) FROM households WHERE unit = '9' AND room = '909'"), '0', 'no household');
		assert.equal(sql("SELECT count(*) FROM areas WHERE name IN ('第7网格', '甲小区')"), '2');
		assert.equal(sql("SELECT count(*) FROM residents WHERE name IN ('韩甲', '韩乙')"), '2');
		const found = await staff.get('/api/v1/residents?q=' + encodeURIComponent('韩'));
		assert.deepEqual(found.json.items.map((x) => x.name).sort(), ['韩乙', '韩甲'].sort());
	} finally {
		sql('DROP TRIGGER test_refuse');
	}
});

test('CSV as spreadsheets write it: line breaks of every kind, blank lines counted as rows, quotes around and inside', async () => {
	const text =
		'\r\n' + // row 1: blank, before the header
		'姓名,社区,联系电话\r\n' + // row 2
		'  "王 一" ,青和居社区,\r' + // 3: spaces around a quoted field; a lone CR ends the line
		'"李""二""",青和居社区,\n' + // 4: doubled quotes inside
		'"赵"三,青和居社区,\n' + // 5: text after the closing quote
		'\n' + // 6: blank
		'钱四,青和居社区,123\n' + // 7: a bad phone, reported as row 7
		'孙五,青和居社区,,'; // 8: a trailing separator and no line break at the end
	const report = path.join(dir, 'kinds-report.csv');
	const r = await importFile(file('kinds.csv', text), '--report', report);
	assert.equal(r.code, 1, r.stderr + r.stdout);
	assert.match(r.stdout, /5 rows: 4 new, 0 updated, 1 rejected/);
	const rows = parseCsv(fs.readFileSync(report, 'utf8'));
	assert.deepEqual(rows.slice(1).map(([row, column, value]) => [row, column, value]), [['7', 'phone', '123']]);
	const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 10000', db, q]).toString().trim();
	assert.equal(
		sql(`SELECT group_concat(name, '|') FROM (SELECT name FROM residents WHERE name IN ('王 一', '李"二"', '赵三', '孙五') ORDER BY id)`),
		'王 一|李"二"|赵三|孙五',
	);
});

test('a file of over a megabyte is read in two halves: quoted line breaks, commas and quotes across the middle stay in their rows', async () => {
	const n = 20000;
	const text = (pad) => {
		const lines = ['姓名,社区,出生日期,户籍地址', `半0,青和居社区,1960-01-02,"${'.'.repeat(pad)}"`];
		for (let i = 1; i < n; i++) lines.push(`半${i},青和居社区,1960-01-02,"武汉市青山区,""红钢城""\n${i}号"`);
		return Buffer.from(lines.join('\r\n') + '\r\n');
	};
	// Padded so that the first line break past the middle is inside quotes: the split
	// must look for one outside them.
	const insideQuotes = (b) => {
		const at = b.indexOf(10, b.length >> 1);
		return b.subarray(0, at).filter((c) => c === 34).length % 2 === 1;
	};
	let pad = 0;
	while (!insideQuotes(text(pad))) pad++;
	const big = file('halves.csv', text(pad));
	assert.ok(fs.statSync(big).size > 1 << 20);
	const r = await importFile(big);
	assert.equal(r.code, 0, r.stderr + r.stdout);
	assert.match(r.stdout, new RegExp(`${n} rows: ${n} new`));
	const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 10000', db, q]).toString().trim();
	assert.equal(sql("SELECT count(*) FROM residents WHERE name LIKE '半%'"), String(n));
	const wrong = sql(
		"SELECT count(*) FROM residents WHERE name LIKE '半%'" +
			" AND name != '半0' AND registered_address IS NOT '武汉市青山区,\"红钢城\"' || char(10) || substr(name, 2) || '号'",
	);
	assert.equal(wrong, '0', 'every row keeps its own quoted field');
});

test('an import killed midway leaves the database as it was', async () => {
	const killed = path.join(dir, 'killed.db');
	assert.equal((await run(['migrate', '--db', killed])).code, 0);
	const rows = [HEADER];
	for (let i = 0; rows.length <= 30000; i++) {
		const d17 = `42010719${String(50 + (i % 50)).padStart(2, '0')}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (Math.floor(i / 12) % 28)).padStart(2, '0')}${String(Math.floor(i / 336) % 1000).padStart(3, '0')}`;
		rows.push(`居${i},青和居社区,,,${withCheck(d17)},,第1网格,和平小区,${1 + (i % 20)}栋,1,${100 + (i % 300)},,`);
	}
	const big = file('killed.csv', rows.join('\n') + '\n');
	const child = spawn(BIN, ['import', 'residents', '--db', killed, big], { stdio: 'ignore' });
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
	// Alone with the database, the import writes through a rollback journal: once it has
	// one, the transaction is under way.
	await eventually(() => fs.existsSync(killed + '-journal') && fs.statSync(killed + '-journal').size > 0, {
		timeout: 20000,
		interval: 5,
		message: 'the import to begin writing',
	});
	child.kill('SIGKILL');
	assert.equal((await exited).signal, 'SIGKILL', 'killed before it finished');
	assert.equal((await run(['migrate', '--db', killed])).code, 0);
	const sql = (q) => execFileSync('sqlite3', [killed, q]).toString().trim();
	assert.equal(sql('PRAGMA integrity_check'), 'ok');
	assert.equal(sql('SELECT count(*) FROM residents'), '0');
	assert.equal(sql("SELECT count(*) FROM areas WHERE kind IN ('grid', 'estate', 'building')"), '0');
	assert.equal(sql('PRAGMA journal_mode'), 'wal', 'opening it again returns it to the write-ahead log');
	// And it imports whole afterwards.
	const again = await run(['import', 'residents', '--db', killed, big], { timeout: 120000 });
	assert.equal(again.code, 0, again.stderr);
	assert.equal(sql('SELECT count(*) FROM residents'), '30000');
	// The area index, rebuilt at the end of the load, finds every one of them by name.
	assert.equal(
		sql("SELECT count(*) FROM residents INDEXED BY residents_area WHERE area_code >= '4' AND name LIKE '%居%'"),
		'30000',
	);
});

test('into an empty registry the number lookups are filled from the load, also when a later row changes someone new', async () => {
	const fresh = path.join(dir, 'fresh.db');
	assert.equal((await run(['migrate', '--db', fresh])).code, 0);
	const rows = [
		HEADER,
		`张三,青和居社区,男,1950-03-01,${ZS},13812345678,第1网格,和平小区,3栋,2,301,户主,`,
		`周九,青和居社区,女,1962-07-15,${LS},,第1网格,和平小区,3栋,2,301,配偶,`,
		'赵六,青和居社区,女,1980-05-06,,13833334444,第1网格,和平小区,5栋,1,101,户主,',
		// The same person without a document number (name, birth date, address), with a new phone.
		'赵六,青和居社区,女,1980-05-06,,13855556666,第1网格,和平小区,5栋,1,101,户主,',
	];
	const r = await run(['import', 'residents', '--db', fresh, file('fresh.csv', rows.join('\n') + '\n')]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /4 rows: 3 new, 1 updated/);
	const sql = (q) => execFileSync('sqlite3', [fresh, q]).toString().trim();
	// Each lookup row is a number on record, and each number on record has its row.
	const matching = (table, column) =>
		sql(`SELECT count(*) FROM ${table} l JOIN residents r ON r.id = l.resident_id AND r.${column} = l.blind`);
	assert.equal(sql('SELECT count(*) FROM resident_ids'), '2');
	assert.equal(matching('resident_ids', 'id_index'), '2');
	assert.equal(sql('SELECT count(*) FROM resident_phones'), '2');
	assert.equal(matching('resident_phones', 'phone_index'), '2', "赵六's lookup is her new phone's");
	// The triggers are back: a later change keeps the lookups by itself.
	assert.equal(sql("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'residents'"), '3');
	assert.equal(sql('PRAGMA integrity_check'), 'ok');
});

test('a passport or permit number is 5 to 32 characters, and type 无 (none) takes no number', async () => {
	const docs = path.join(dir, 'docs.db');
	const report = path.join(dir, 'docs-report.csv');
	const rows = [
		'姓名,社区,证件类型,证件号码',
		'甲,青和居社区,护照,E12345678', // row 2: good
		'乙,青和居社区,护照,E12', // 3: too short
		`丙,青和居社区,外国人永久居留证,${'9'.repeat(33)}`, // 4: too long
		'丁,青和居社区,无,E55555555', // 5: a number with type none
		'戊,青和居社区,无,', // 6: good, no number
	];
	const csv = file('docs.csv', rows.join('\n') + '\n');
	const r = await run(['import', 'residents', '--db', docs, csv, '--report', report]);
	assert.equal(r.code, 1, r.stderr);
	assert.match(r.stdout, /5 rows: 2 new, 0 updated, 3 rejected/);
	assert.deepEqual(
		parseCsv(fs.readFileSync(report, 'utf8'))
			.slice(1)
			.map((x) => [x[0], x[1], x[3]]),
		[
			['3', 'id_number', 'must be 5 to 32 characters'],
			['4', 'id_number', 'must be 5 to 32 characters'],
			['5', 'id_number', 'is given, but the document type is 无 (none)'],
		],
	);
});
