// GB 11643 citizen ID numbers made for tests, with their check character.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function checkChar(d17) {
	let sum = 0;
	for (let i = 0; i < 17; i++) sum += Number(d17[i]) * WEIGHTS[i];
	return CHECK[sum % 11];
}
export const withCheck = (d17) => d17 + checkChar(d17);

const used = new Set();
let nextSeq = 200;
/** A fresh valid number: region, birth date YYYYMMDD, sex from the 17th digit. */
export function newId(ymd, { male = true, region = '420107' } = {}) {
	for (;;) {
		const seq = nextSeq++;
		if (seq % 2 !== (male ? 1 : 0)) continue;
		const id = withCheck(region + ymd + String(seq).padStart(3, '0'));
		if (!used.has(id)) {
			used.add(id);
			return id;
		}
	}
}
/** A number ending in 123X (the issue's own example of the mask): a birth date in `year` that gives X. */
export function idEndingIn123X(year) {
	for (let day = Date.UTC(year, 0, 1); ; day += 86400000) {
		const ymd = new Date(day).toISOString().slice(0, 10).replaceAll('-', '');
		const id = withCheck('420107' + ymd + '123');
		if (id.endsWith('X') && !used.has(id)) {
			used.add(id);
			return id;
		}
	}
}
export const dateOf = (id) => `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
