// After `vite build web`: write FILE.gz next to every .js, .css, .html, .svg and .json file in
// web/dist, so that the server can send the precompressed twin to clients that accept gzip.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const EXTENSIONS = new Set(['.js', '.css', '.html', '.svg', '.json']);

function* walk(dir) {
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, entry.name);
		if (entry.isDirectory()) yield* walk(p);
		else if (entry.isFile()) yield p;
	}
}

if (!fs.existsSync(path.join(DIST, 'index.html'))) {
	console.error(`gzip-dist: ${path.relative(process.cwd(), DIST)}/index.html is missing: run the build first`);
	process.exit(1);
}

let files = 0;
let before = 0;
let after = 0;
for (const file of walk(DIST)) {
	if (!EXTENSIONS.has(path.extname(file))) continue;
	const data = fs.readFileSync(file);
	const gz = zlib.gzipSync(data, { level: zlib.constants.Z_BEST_COMPRESSION });
	fs.writeFileSync(file + '.gz', gz);
	// Same modification time as the original, so that caches agree on both.
	const { atime, mtime } = fs.statSync(file);
	fs.utimesSync(file + '.gz', atime, mtime);
	files++;
	before += data.length;
	after += gz.length;
}
console.log(`gzip-dist: ${files} files, ${(before / 1024).toFixed(1)} kB → ${(after / 1024).toFixed(1)} kB gzip`);
