// A small district for the door-knocking tests: households in two grids of
// 青和居社区 (and one in 青雅居社区) imported from CSV, all recorded at noon
// Beijing time on 1 November 2026, so cadences and due days are fixed; the
// accounts of those who knock and plan; and a server on it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { addUser, run, startServer, tempDir } from './server.mjs';

export const A = '420107005008'; // 青和居社区
export const B = '420107005001'; // 青雅居社区
export const RECORDED = '2026-11-01T04:00:00Z'; // noon in Beijing

// name, grid, estate, building, entrance, room, birth date, tags
const PEOPLE = [
	['张独居', A, '第1网格', '和平小区', '1栋', '1', '101', '1940-03-01', '独居老人'],
	['李低保', A, '第1网格', '和平小区', '1栋', '1', '201', '1970-05-01', '低保'],
	['王普通', A, '第1网格', '和平小区', '1栋', '1', '301', '1985-01-01', ''],
	['赵残疾', A, '第1网格', '和平小区', '1栋', '2', '102', '1990-01-01', '残疾'],
	['赵家属', A, '第1网格', '和平小区', '1栋', '2', '102', '1992-01-01', ''],
	['陈普通', A, '第1网格', '和平小区', '1栋', '2', '1201', '1980-01-01', ''],
	['刘普通', A, '第1网格', '和平小区', '2栋', '1', '101', '1975-01-01', ''],
	['孙普通', A, '第1网格', '和平小区', '2栋', '1', '502', '1960-01-01', ''],
	['周高龄', A, '第2网格', '钢花小区', '1栋', '1', '101', '1944-06-01', ''],
	['吴普通', A, '第2网格', '钢花小区', '1栋', '1', '201', '1990-01-01', ''],
	['郑普通', B, '第1网格', '翠园小区', '1栋', '1', '101', '1980-01-01', ''],
];

/** Beijing time as an ISO instant. */
export const bj = (local) => new Date(`${local}+08:00`).toISOString();

/**
 * The district and a server on it. users: [{username, role, area}] where area
 * may be 'grid1', 'grid2' (青和居社区's grids), 'A', 'B' or a code.
 * Resolves {srv, sql, grid1, grid2, hh: {name: household id}, res: {name: resident id}}.
 */
export async function doorsDistrict(users) {
	const dir = tempDir();
	const db = path.join(dir, 'doorstep.db');
	assert.equal((await run(['migrate', '--db', db])).code, 0);
	const csv = path.join(dir, 'people.csv');
	const names = { [A]: '青和居社区', [B]: '青雅居社区' };
	const rows = PEOPLE.map(([n, c, g, e, b, u, r, birth, tags]) =>
		[n, names[c], g, e, b, u, r, birth, 'none', '女', tags].join(','),
	);
	fs.writeFileSync(csv, ['姓名,社区,网格,小区,楼栋,单元,房号,出生日期,证件类型,性别,标签', ...rows].join('\n') + '\n');
	const imp = await run(['import', 'residents', '--db', db, csv]);
	assert.equal(imp.code, 0, imp.stdout + imp.stderr);
	const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
	const t0 = Date.parse(RECORDED) / 1000;
	sql(`UPDATE households SET created_at = ${t0}, updated_at = ${t0}; UPDATE residents SET created_at = ${t0}, updated_at = ${t0};`);
	const grid = (n) => sql(`SELECT code FROM areas WHERE parent_code = '${A}' AND name = '第${n}网格'`);
	const grid1 = grid(1);
	const grid2 = grid(2);
	const where = { grid1, grid2, A, B };
	for (const u of users) await addUser(db, { ...u, area: where[u.area] ?? u.area });
	const hh = {};
	const res = {};
	for (const line of sql('SELECT name, id, household_id FROM residents').split('\n')) {
		const [name, id, household] = line.split('|');
		res[name] = Number(id);
		hh[name] = Number(household);
	}
	const srv = await startServer({ db, dir });
	return { srv, sql: (q) => execFileSync('sqlite3', [srv.db, q]).toString().trim(), grid1, grid2, hh, res };
}
