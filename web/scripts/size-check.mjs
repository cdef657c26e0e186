// After the build: the gzip size of the JavaScript that the first screen loads, from
// web/dist/.vite/manifest.json. Two figures:
//   entry   — the JS that index.html loads: the entry chunk and its static imports (checked);
//   login   — what the login page needs on top: its lazy chunk and that chunk's static imports
//             (checked too, together with the entry: that is the first screen).
// Exits 1 when the first screen is over the budget (350 kB gzip, 1 kB = 1000 bytes).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const BUDGET = 350 * 1000;
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const MANIFEST = path.join(DIST, '.vite', 'manifest.json');
const LOGIN_SRC = 'src/views/LoginView.vue';

if (!fs.existsSync(MANIFEST)) {
	console.error('size-check: web/dist/.vite/manifest.json is missing: run `npm run build` first');
	process.exit(1);
}
const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));

/** The chunk keys reachable from key through static imports (key included). */
function closure(key, seen = new Set()) {
	if (seen.has(key) || !manifest[key]) return seen;
	seen.add(key);
	for (const k of manifest[key].imports ?? []) closure(k, seen);
	return seen;
}

function gzipSize(file) {
	const p = path.join(DIST, file);
	const gz = p + '.gz';
	if (fs.existsSync(gz)) return fs.statSync(gz).size;
	return zlib.gzipSync(fs.readFileSync(p), { level: zlib.constants.Z_BEST_COMPRESSION }).length;
}

function jsSize(keys) {
	let total = 0;
	for (const k of keys) if (manifest[k].file.endsWith('.js')) total += gzipSize(manifest[k].file);
	return total;
}

const entries = Object.keys(manifest).filter((k) => manifest[k].isEntry);
if (entries.length === 0) {
	console.error('size-check: the manifest names no entry');
	process.exit(1);
}
const entryKeys = new Set();
for (const e of entries) closure(e, entryKeys);
const entryBytes = jsSize(entryKeys);

const loginKeys = new Set();
if (manifest[LOGIN_SRC]) closure(LOGIN_SRC, loginKeys);
else console.warn(`size-check: ${LOGIN_SRC} is not in the manifest; counting the entry only`);
const extra = [...loginKeys].filter((k) => !entryKeys.has(k));
const firstScreen = entryBytes + jsSize(extra);

const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
console.log(`size-check: entry JS (index.html and its static imports): ${kB(entryBytes)} gzip in ${entryKeys.size} file(s)`);
console.log(`size-check: first screen JS (entry + login page): ${kB(firstScreen)} gzip (budget ${kB(BUDGET)})`);
if (firstScreen > BUDGET) {
	console.error(`size-check: FAIL: the first screen loads ${kB(firstScreen)} of gzip JavaScript, over ${kB(BUDGET)}`);
	process.exit(1);
}
