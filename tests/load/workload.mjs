// The mixed load shared by the crash and soak runs: staff register households
// and residents, record door-knock visits (with an Idempotency-Key, some with
// demands that become work orders), and take walk-in work orders round the
// loop with a grid worker; readers search, read residents and households, page
// through inboxes and log in. Every write's fate is kept in a ledger:
// acknowledged (2xx received), refused (an error status), or unanswered.
import { Client, NoAnswer } from './client.mjs';
import { addUser, PW } from './server.mjs';

export const AREA = '420107005008'; // 青和居社区
const TAGS = ['party_member', 'living_alone', 'minimum_income', 'disabled', 'extreme_hardship'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '安邦昌德芳刚海华佳健杰静军兰丽明敏娜平强秋荣瑞淑涛婷伟文霞秀燕英勇玉云珍志';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const checkChar = (d) => '10X98765432'[[...d].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0) % 11];

/** Deterministic-enough randomness, seedable so a failing run can be repeated (LOAD_SEED). */
export function rng(seed) {
	let s = seed >>> 0 || 1;
	return () => {
		s ^= s << 13;
		s >>>= 0;
		s ^= s >>> 17;
		s ^= s << 5;
		s >>>= 0;
		return s / 4294967296;
	};
}

/** Accounts the load uses, created with `doorstep user add` before the first start. */
export async function makeAccounts(db, writers) {
	const users = [
		...Array.from({ length: writers }, (_, i) => ({ username: `staff${i}`, role: 'community_staff', area: AREA })),
		{ username: 'grid', role: 'grid_worker', area: AREA },
		{ username: 'reader', role: 'community_staff', area: AREA },
		{ username: 'knock', role: 'doorknocker', area: AREA },
	];
	for (const u of users) await addUser(db, u);
	return users;
}

export class Ledger {
	constructor() {
		this.n = 0; // unique names, numbers and notes across the whole run
		this.households = new Map(); // id → {unit, room}
		this.residents = new Map(); // id → the 201 answer
		this.byHousehold = new Map(); // household id → [resident ids acknowledged]
		this.visits = new Map(); // id → {body, answer}
		this.orders = new Map(); // id → {state, version, owner, pending}
		this.unansweredResidents = []; // bodies sent without an answer
		this.unansweredVisits = []; // {user, key, body}
		this.refused = { residents: [], visits: [] }; // bodies answered with an error: must be absent
		this.stats = { acked: 0, unanswered: 0, refused: 0, reads: 0, logins: 0, relogins: 0 };
		this.problems = []; // invariant violations seen while running
	}

	next() {
		return ++this.n;
	}

	name(n) {
		const b = GIVEN.length;
		return SURNAMES[n % SURNAMES.length] + GIVEN[Math.floor(n / 20) % b] + GIVEN[Math.floor(n / 20 / b) % b] + GIVEN[Math.floor(n / 20 / b / b) % b];
	}

	/** A valid GB 11643 number, unique in the run: the birth day from n, the sequence from n's high part. */
	idNumber(n) {
		const day = new Date(Date.UTC(1940, 0, 1) + (n % 28000) * 86400000).toISOString().slice(0, 10).replaceAll('-', '');
		const d17 = '420107' + day + String(100 + Math.floor(n / 28000)).padStart(3, '0');
		return d17 + checkChar(d17);
	}

	phone(n) {
		return String(13900000000 + n);
	}
}

/** Run fn, classifying the outcome; returns the response or null when unanswered. */
async function attempt(ledger, fn) {
	try {
		return await fn();
	} catch (e) {
		if (e instanceof NoAnswer) {
			ledger.stats.unanswered++;
			return null;
		}
		throw e;
	}
}

const pick = (rand, xs) => xs[Math.floor(rand() * xs.length)];

/** A household and one or two residents in it. */
export async function register(c, ledger, rand) {
	const h = { area_code: AREA, unit: String(1 + Math.floor(rand() * 6)), room: `R${ledger.next()}` };
	const hr = await attempt(ledger, () => c.post('/api/v1/households', h));
	if (hr == null) return;
	if (hr.status !== 201) return refuse(ledger, 'household', hr);
	ledger.stats.acked++;
	ledger.households.set(hr.json.id, h);
	const members = rand() < 0.3 ? 2 : 1;
	for (let i = 0; i < members; i++) {
		const n = ledger.next();
		const tags = TAGS.filter(() => rand() < 0.25);
		const body =
			i === 0
				? { name: ledger.name(n), household_id: hr.json.id, relation: 'head', id_number: ledger.idNumber(n), phone: ledger.phone(n), tags }
				: { name: ledger.name(n), household_id: hr.json.id, relation: 'spouse', document_type: 'none', gender: 'female', birth_date: '1961-02-03', tags };
		const r = await attempt(ledger, () => c.post('/api/v1/residents', body));
		if (r == null) {
			ledger.unansweredResidents.push(body);
			continue;
		}
		if (r.status !== 201) {
			ledger.refused.residents.push(body);
			refuse(ledger, 'resident', r);
			continue;
		}
		ledger.stats.acked++;
		ledger.residents.set(r.json.id, { body, answer: r.json });
		if (!ledger.byHousehold.has(hr.json.id)) ledger.byHousehold.set(hr.json.id, []);
		ledger.byHousehold.get(hr.json.id).push(r.json.id);
	}
}

function refuse(ledger, what, r) {
	ledger.stats.refused++;
	// A refusal under load is possible (503 busy), anything else is a bug in the load or the server.
	if (r.status !== 503) ledger.problems.push(`${what}: unexpected ${r.status} ${r.text.slice(0, 200)}`);
}

/** A door-knock visit to a household with a known resident, sometimes with a demand. */
export async function visit(c, ledger, rand) {
	const homes = [...ledger.byHousehold.keys()];
	if (homes.length === 0) return;
	const hid = pick(rand, homes);
	const rid = pick(rand, ledger.byHousehold.get(hid));
	const n = ledger.next();
	const key = `load-${n}-${Math.floor(rand() * 1e9)}`;
	const met = rand() < 0.6;
	const body = {
		household_id: hid,
		outcome: met ? 'met' : 'not_home',
		...(met ? { seen: [rid] } : {}),
		checklist: { health: 'ok', gas: rand() < 0.2 ? 'concern' : 'ok' },
		notes: `走访记录 ${key}`,
		...(rand() < 0.3 ? { demands: [{ category: 'stairwell_lighting', description: `楼道灯不亮 ${key}`, resident_id: rid }] } : {}),
	};
	const r = await attempt(ledger, () => c.post('/api/v1/visits', body, { headers: { 'Idempotency-Key': key } }));
	if (r == null) {
		ledger.unansweredVisits.push({ user: c.username, key, body });
		return;
	}
	if (r.status !== 201) {
		ledger.refused.visits.push(body);
		return refuse(ledger, 'visit', r);
	}
	ledger.stats.acked++;
	ledger.visits.set(r.json.id, { body, key, answer: r.json });
}

// The walk-in loop as the staff member (S) and the grid worker (G) take it.
const LOOP = {
	collected: { action: 'accept', by: 'S', to: 'accepted' },
	accepted: { action: 'dispatch', by: 'S', to: 'dispatched', grid: true },
	dispatched: { action: 'handle', by: 'G', to: 'handled', note: '已到场处理' },
	handled: { action: 'report', by: 'G', to: 'reported' },
	reported: { action: 'verify', by: 'S', to: 'verified' },
	verified: { action: 'close', by: 'S', to: 'closed', minutes: 30 },
};

/**
 * One step of the caller's own work orders: a new order, or the next step of
 * one (a failed verification now and then sends it back as rework).
 */
export async function orderStep(c, grid, ledger, rand) {
	const mine = [...ledger.orders.entries()].filter(([, o]) => o.owner === c.username && LOOP[o.state]);
	if (mine.length < 3 || rand() < 0.2) {
		const body = { category: 'stairwell_lighting', description: `楼道灯不亮 ${ledger.next()}`, area_code: AREA };
		const r = await attempt(ledger, () => c.post('/api/v1/work-orders', body));
		if (r == null) return;
		if (r.status !== 201) return refuse(ledger, 'work order', r);
		ledger.stats.acked++;
		ledger.orders.set(r.json.id, { state: r.json.state, version: r.json.version, owner: c.username, pending: null, desc: body.description });
		return;
	}
	const [id, o] = pick(rand, mine);
	if (o.pending && !(await reconcile(c, ledger, id, o))) return;
	let step = LOOP[o.state];
	if (step == null) return; // the unanswered step was done after all, and it closed the loop
	if (o.state === 'reported' && rand() < 0.15) step = { action: 'fail', by: 'S', to: 'dispatched', note: '复核未通过' };
	const body = { action: step.action, version: o.version };
	if (step.grid) body.user_id = grid.user.id;
	if (step.note) body.note = step.note;
	if (step.minutes) body.minutes = step.minutes;
	const who = step.by === 'G' ? grid : c;
	o.pending = { ...step, from: o.state, version: o.version };
	const r = await attempt(ledger, () => who.post(`/api/v1/work-orders/${id}/transitions`, body));
	if (r == null) return;
	o.pending = null;
	if (r.status !== 200) return refuse(ledger, `work order ${id} ${step.action} at version ${o.version}`, r);
	ledger.stats.acked++;
	if (r.json.state !== step.to || r.json.version !== o.version + 1)
		ledger.problems.push(`order ${id}: ${step.action} answered ${r.json.state} v${r.json.version}`);
	o.state = r.json.state;
	o.version = r.json.version;
}

/**
 * After an unanswered transition the order is either as acknowledged before it
 * or one step on; anything else lost an acknowledged step or did half of one.
 */
export async function reconcile(c, ledger, id, o) {
	const r = await c.get(`/api/v1/work-orders/${id}`);
	if (r.status !== 200) {
		ledger.problems.push(`order ${id}: GET ${r.status}`);
		return false;
	}
	const p = o.pending;
	if (r.json.version === p.version && r.json.state === p.from) {
		// not applied
	} else if (r.json.version === p.version + 1 && r.json.state === p.to) {
		o.state = p.to;
		o.version = p.version + 1;
	} else {
		ledger.problems.push(`order ${id}: after an unanswered ${p.action} from ${p.from} v${p.version} it is ${r.json.state} v${r.json.version}`);
		return false;
	}
	o.pending = null;
	return true;
}

/** Reads for the soak: searches, a resident, a household, inboxes, order pages. */
export async function read(c, ledger, rand) {
	const ids = [...ledger.residents.keys()];
	const roll = rand();
	let r;
	if (roll < 0.3 && ids.length) {
		const name = ledger.residents.get(pick(rand, ids)).answer.name;
		const q = rand() < 0.5 ? name[0] : name.slice(1, 3);
		r = await c.get(`/api/v1/residents?q=${encodeURIComponent(q)}&limit=20`);
	} else if (roll < 0.5 && ids.length) {
		r = await c.get(`/api/v1/residents/${pick(rand, ids)}`);
	} else if (roll < 0.6 && ledger.households.size) {
		r = await c.get(`/api/v1/households/${pick(rand, [...ledger.households.keys()])}`);
	} else if (roll < 0.75) {
		r = await c.get(`/api/v1/work-orders?box=${pick(rand, ['to_accept', 'to_dispatch', 'to_verify', 'mine'])}&limit=50`);
	} else if (roll < 0.85) {
		r = await c.get('/api/v1/notifications?limit=50');
	} else {
		r = await c.get(`/api/v1/visits?limit=50`);
	}
	ledger.stats.reads++;
	if (r.status !== 200) ledger.problems.push(`read: ${r.status} ${r.text.slice(0, 200)}`);
}

/** A login and logout with a fresh client (argon2id: the heaviest request). */
export async function loginLogout(target, ledger, username) {
	const c = new Client(target, username, PW);
	await c.login();
	ledger.stats.logins++;
	const r = await c.req('DELETE', '/api/v1/session', undefined, { relogin: false });
	if (r.status !== 204) ledger.problems.push(`logout: ${r.status}`);
}

/** One write: a registration, a visit or a step of a work order. */
export async function writeOnce(c, grid, ledger, rand) {
	const roll = rand();
	if (roll < 0.3 || ledger.byHousehold.size < 3) await register(c, ledger, rand);
	else if (roll < 0.6) await visit(c, ledger, rand);
	else await orderStep(c, grid, ledger, rand);
}

/**
 * A writer: until stop() is true or a request gets no answer (the server is
 * gone), one write after another.
 */
export async function writer(c, grid, ledger, rand, stop) {
	while (!stop()) {
		const before = ledger.stats.unanswered;
		try {
			await writeOnce(c, grid, ledger, rand);
		} catch (e) {
			if (!(e instanceof NoAnswer)) throw e;
			return; // a read on the way (a login, a reconciliation) got no answer
		}
		if (ledger.stats.unanswered !== before) return; // the server went away
	}
}
