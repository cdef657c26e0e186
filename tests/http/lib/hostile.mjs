// The hostile input corpus as data, and the checks every answer to it must pass:
// a clear 4xx (an RFC 9457 problem for the API, Open311's error list for
// Open311), never a 5xx, never internals.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

/** Values for a path segment, already percent-encoded where they must be. */
export const PATH_VALUES = [
	'0',
	'-1',
	'-0',
	'1.5',
	'1e400',
	'0x10',
	'%201',
	'9223372036854775807',
	'9223372036854775808',
	'-9223372036854775809',
	'18446744073709551616',
	'99999999999999999999999999999999',
	'NaN',
	'null',
	'%00',
	'1%00',
	'%ff',
	'%c0%af',
	'%ed%a0%80', // a UTF-16 surrogate
	'..',
	'%2e%2e',
	'..%2f..%2f..%2fetc%2fpasswd',
	'%2f',
	'%5c..%5c',
	encodeURIComponent("' OR '1'='1"),
	encodeURIComponent('1; DROP TABLE residents; --'),
	encodeURIComponent('1 UNION SELECT * FROM users'),
	encodeURIComponent('<script>alert(1)</script>'),
	encodeURIComponent('${7*7}{{7*7}}'),
	encodeURIComponent('青和居'),
	'a'.repeat(3000),
];

/** Values for a query parameter (encoded). */
export const QUERY_VALUES = [
	'',
	'-1',
	'0',
	'-0',
	'1e400',
	'9223372036854775808',
	'-9223372036854775809',
	'18446744073709551616',
	'1.5',
	'%00',
	'a%00b',
	'%ff',
	'%c0%af',
	'true',
	'null',
	'2026-13-45',
	'%25',
	'_',
	'%5c',
	encodeURIComponent("' OR '1'='1' --"),
	encodeURIComponent("%' OR '%'='"),
	encodeURIComponent('<script>alert(1)</script>'),
	encodeURIComponent('../../etc/passwd'),
	encodeURIComponent('张小明张小明'), // 18 bytes, the length of an ID number
	encodeURIComponent('1234567890123456é'),
	'x'.repeat(5000),
];

/** Values whose match would mean the text was taken as a pattern or as SQL: a list must come back empty. */
export const MATCH_NOTHING = new Set(['%25', '_', '%5c', QUERY_VALUES[19], QUERY_VALUES[20]]);

/** JSON texts that are not a usable body. */
export const BAD_JSON = [
	'',
	'{',
	'{"a":',
	'{"a":1',
	'[',
	'"',
	'nul',
	'{"a":1}x',
	'{a:1}',
	"{'a':1}",
	'\ufeff{}',
	'{"a":1,}',
	'[1,]',
	'{"a":"\\ud800"}',
	'{"a":"\\u0000"}',
	'{"a":NaN}',
	'{"a":Infinity}',
	'{"a":01}',
	'{"a":1,"a":2}', // duplicate keys
	'{"a":{"b":1,"b":1}}',
	'[]',
	'null',
	'1e400',
	'"text"',
	'['.repeat(100000),
	'{"a":'.repeat(40) + '1' + '}'.repeat(40),
	'['.repeat(20) + ']'.repeat(20),
];

/** Raw bodies that are not UTF-8. */
export const BAD_BYTES = [
	Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
	Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
	Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
	Buffer.concat([Buffer.from('{"a":"x'), Buffer.from([0]), Buffer.from('y"}')]),
	Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
];

/** JSON texts of values of every wrong type and every extreme, for any field. */
export const FIELD_VALUES = [
	'0',
	'-1',
	'-0',
	'1.5',
	'1e400',
	'-1e400',
	'9223372036854775807',
	'9223372036854775808',
	'-9223372036854775809',
	'18446744073709551616',
	'99999999999999999999999999999999999999',
	'true',
	'null',
	'[]',
	'{}',
	'[[[[[[[[[[]]]]]]]]]]',
	'""',
	'"   "',
	'"\\u0000"',
	'"\\u001b[31m"',
	'"\\ud800"',
	'"2026-02-30T25:61:61Z"',
	'"-1"',
	'"1e400"',
	JSON.stringify("' OR '1'='1' --"),
	JSON.stringify("Robert'); DROP TABLE residents;--"),
	JSON.stringify('<script>alert(1)</script>'),
	JSON.stringify('../../../etc/passwd'),
	JSON.stringify('x'.repeat(20000)),
	JSON.stringify(['x', 1, null]),
];

/** An unknown member: every body carrying it must be refused before any handler runs. */
export const POISON = `"hostile' OR '1'='1<script>":1`;

/** Paths for the static file server and the API prefixes. */
export const STATIC_PATHS = [
	'/../secret.txt',
	'/%2e%2e/secret.txt',
	'/%2e%2e%2fsecret.txt',
	'/..%2fsecret.txt',
	'/assets/..%2f..%2fsecret.txt',
	'/assets/%2e%2e/%2e%2e/secret.txt',
	'/%252e%252e/secret.txt',
	'/..%5csecret.txt',
	'/%c0%ae%c0%ae/secret.txt',
	'/./././../secret.txt',
	'//secret.txt',
	'/index.html%00.js',
	'/%00',
	'/link-out',
	'/link-out/',
	'/..',
	'/.',
	'/%ff',
	'/index.html/..',
	'/' + 'a/'.repeat(1500),
	'/api/../secret.txt',
	'/api/v1/../../secret.txt',
	'/api/v1/%2e%2e/%2e%2e/secret.txt',
	'/open311/v2/../../secret.txt',
	'/open311/v2/%2e%2e%2f%2e%2e%2fsecret.txt',
	'/api',
	'/api/',
	'/api/v2/areas',
	'/API/v1/areas',
	'/open311',
	'/open311/v3/services.json',
];

/** Random hex of n bytes. */
export const hex = (n) => crypto.randomBytes(n).toString('hex');

/** Forged session cookies and Authorization headers: each must be a 401 where a login is needed. */
export function forgedCredentials(real) {
	return [
		{ Cookie: `doorstep_session=${hex(32)}` },
		{ Cookie: `doorstep_session=${real.toUpperCase()}` },
		{ Cookie: `doorstep_session=${real.slice(0, -1)}` },
		{ Cookie: `doorstep_session=${real}x` },
		{ Cookie: 'doorstep_session=' },
		{ Cookie: `doorstep_session=${encodeURIComponent("' OR '1'='1")}` },
		{ Cookie: `doorstep_session=${'a'.repeat(4000)}` },
		{ Cookie: `other=1; doorstep_session_x=${real}` },
		{ Authorization: `Bearer ${hex(32)}` },
		{ Authorization: `Bearer ${real}` },
		{ Authorization: 'Bearer ' },
		{ Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
		{ Authorization: `Bearer ${encodeURIComponent("' OR 1=1 --")}` },
	];
}

/**
 * Assert a refusal: a 4xx (one of allowed, if given) with the body the
 * path's API promises. Returns the status.
 */
export function assertRefused(r, what, allowed) {
	const where = `${what}: ${r.status} ${r.text.slice(0, 200)}`;
	assert.ok(r.status >= 400 && r.status < 500, `expected a 4xx, ${where}`);
	if (allowed) assert.ok(allowed.includes(r.status), `expected ${allowed.join('/')}, ${where}`);
	const type = r.headers['content-type'] ?? '';
	if (/^application\/problem\+json/.test(type)) {
		const b = JSON.parse(r.text);
		assert.equal(b.status, r.status, `problem.status, ${where}`);
		assert.equal(typeof b.title, 'string', `problem.title, ${where}`);
		assert.equal(typeof b.detail, 'string', `problem.detail, ${where}`);
	} else if (/^application\/json/.test(type)) {
		// Open311's errors: [{code, description}].
		const b = JSON.parse(r.text);
		assert.ok(Array.isArray(b) && b.length > 0 && b.every((e) => Number.isInteger(e.code) && typeof e.description === 'string'), `Open311 errors, ${where}`);
	} else if (/^text\/xml/.test(type)) {
		assert.match(r.text, /<errors>[\s\S]*<code>\d{3}<\/code>/, `Open311 XML errors, ${where}`);
	} else {
		assert.fail(`a refusal without a problem or Open311 error body (${type}), ${where}`);
	}
	return r.status;
}

/**
 * A checksum per table of the database (read with the sqlite3 shell while the
 * server runs), leaving out the tables that record requests rather than business.
 */
export function tableChecksums(db, skip, where = {}) {
	const tables = execFileSync('sqlite3', ['-readonly', db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"])
		.toString()
		.split('\n')
		.filter((t) => t && !skip.some((re) => re.test(t)));
	// One shell for every table: each table's rows follow a line naming it.
	const script = ['.mode quote', ...tables.map((t) => `SELECT '@@${t}'; SELECT * FROM "${t}" ${where[t] ?? ''};`)].join('\n');
	const dump = execFileSync('sqlite3', ['-readonly', db], { input: script, maxBuffer: 256 << 20 }).toString();
	const out = {};
	for (const part of dump.split(/^'@@/m).slice(1)) {
		const nl = part.indexOf('\n');
		const name = part.slice(0, nl).replace(/'$/, '');
		out[name] = crypto.createHash('sha256').update(part.slice(nl + 1)).digest('hex').slice(0, 16);
	}
	assert.deepEqual(Object.keys(out).sort(), [...tables].sort(), 'every table was read');
	return out;
}

/** Run fn over items with at most n at a time. */
export async function pool(items, n, fn) {
	let next = 0;
	let failed = false; // the first failure stops every worker, so nothing runs after the test ends
	const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
		while (next < items.length && !failed) {
			const i = next++;
			try {
				await fn(items[i], i);
			} catch (e) {
				failed = true;
				throw e;
			}
		}
	});
	await Promise.all(workers);
}
