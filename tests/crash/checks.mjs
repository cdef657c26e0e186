// What must hold of a database after a crash, checked on the file itself:
// SQLite's own integrity, foreign keys, the rows derived from others in the
// same transaction (timelines, rollups, visit status, links,
// blind-index lookups, notifications, audit entries), and every write the ledger holds as
// acknowledged. Each check returns a list of problems (empty: it holds).
import { execFileSync } from 'node:child_process';

import { AREA } from '../load/workload.mjs';

/** Run SQL with the sqlite3 CLI; rows split on newlines, columns on '|'. */
export function query(db, q, { readonly = true } = {}) {
	const args = readonly ? ['-readonly', db, q] : [db, q];
	const out = execFileSync('sqlite3', args, { maxBuffer: 256 << 20 }).toString().trim();
	return out === '' ? [] : out.split('\n').map((l) => l.split('|'));
}

// Each: a name and a query whose rows are violations.
const INVARIANTS = [
	['foreign keys', 'PRAGMA foreign_key_check'],
	[
		'an order’s version is the number of its steps',
		`SELECT o.id, o.version, count(s.id) FROM work_orders o LEFT JOIN work_order_steps s ON s.order_id = o.id
		 GROUP BY o.id HAVING o.version != count(s.id)`,
	],
	[
		'an order’s state is where its last step went',
		`SELECT o.id, o.state, s.to_state FROM work_orders o JOIN work_order_steps s
		 ON s.id = (SELECT max(id) FROM work_order_steps WHERE order_id = o.id) WHERE s.to_state != o.state`,
	],
	[
		'each step starts where the one before ended',
		`SELECT id, order_id FROM (SELECT id, order_id, from_state,
		 lag(to_state, 1, '') OVER (PARTITION BY order_id ORDER BY id) AS prev FROM work_order_steps) WHERE from_state != prev`,
	],
	[
		'the rollups count every order with a time limit, and the closed ones',
		`SELECT r.due, r.closed, o.due, o.closed FROM
		 (SELECT coalesce(sum(due), 0) AS due, coalesce(sum(closed), 0) AS closed FROM order_rollups
		  WHERE area IN ('', '${AREA}') AND category = '' AND team = 0 AND partner = 0) r,
		 (SELECT 2 * count(*) AS due, 2 * count(closed_at) AS closed FROM work_orders WHERE due_at IS NOT NULL) o
		 WHERE r.due != o.due OR r.closed != o.closed`,
	],
	[
		'a household’s visit status is its last visit',
		`SELECT v.household_id, v.last, s.last_visit_at FROM
		 (SELECT household_id, max(visited_at) AS last FROM visits GROUP BY household_id) v
		 LEFT JOIN visit_status s ON s.household_id = v.household_id WHERE s.last_visit_at IS NOT v.last
		 UNION ALL SELECT household_id, NULL, last_visit_at FROM visit_status
		 WHERE household_id NOT IN (SELECT household_id FROM visits)`,
	],
	[
		'a demand raised on a visit is linked to it, and the link to it',
		`SELECT o.id, o.origin FROM work_orders o WHERE o.origin LIKE 'visit:%' AND NOT EXISTS
		 (SELECT 1 FROM visit_links l WHERE l.kind = 'work_order' AND l.target_id = o.id AND o.origin = 'visit:' || l.visit_id)
		 UNION ALL SELECT l.target_id, l.visit_id FROM visit_links l WHERE l.kind = 'work_order'
		 AND NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.id = l.target_id)`,
	],
	[
		'a met visit names who was seen',
		`SELECT v.id FROM visits v WHERE v.outcome = 'met' AND NOT EXISTS (SELECT 1 FROM visit_seen s WHERE s.visit_id = v.id)`,
	],
	[
		"the blind indexes' lookup tables hold exactly the residents' numbers",
		`SELECT r.id FROM residents r WHERE (r.id_index IS NOT NULL AND NOT EXISTS
		 (SELECT 1 FROM resident_ids i WHERE i.blind = r.id_index AND i.resident_id = r.id))
		 OR (r.phone_index IS NOT NULL AND NOT EXISTS
		 (SELECT 1 FROM resident_phones p WHERE p.blind = r.phone_index AND p.resident_id = r.id))
		 UNION ALL SELECT i.resident_id FROM resident_ids i
		 WHERE NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = i.resident_id AND r.id_index = i.blind)
		 UNION ALL SELECT p.resident_id FROM resident_phones p
		 WHERE NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = p.resident_id AND r.phone_index = p.blind)`,
	],
	[
		'every dispatch to a person and every rework told them',
		`SELECT o.id, d.n, nt.n FROM work_orders o
		 JOIN (SELECT order_id, count(*) AS n FROM work_order_steps WHERE to_state = 'dispatched' GROUP BY order_id) d ON d.order_id = o.id
		 LEFT JOIN (SELECT order_id, count(*) AS n FROM notifications WHERE kind IN ('dispatched', 'rework') GROUP BY order_id) nt
		 ON nt.order_id = o.id WHERE o.assignee_user IS NOT NULL AND d.n IS NOT nt.n`,
	],
	[
		'every closed order credited its minutes',
		`SELECT o.id FROM work_orders o WHERE o.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM service_hours h WHERE h.order_id = o.id)`,
	],
	[
		'every step of a walk-in order is audited',
		`SELECT o.id, o.version, a.n FROM work_orders o LEFT JOIN
		 (SELECT object, count(*) AS n FROM audit_log WHERE action LIKE 'work_order.%' AND outcome = 'success' GROUP BY object) a
		 ON a.object = 'work_order:' || o.id WHERE o.channel = 'walk_in' AND o.version IS NOT a.n`,
	],
	[
		'every resident and visit has its audit entry',
		`SELECT 'resident', id FROM residents WHERE 'resident:' || id NOT IN (SELECT object FROM audit_log WHERE action = 'resident.create')
		 UNION ALL SELECT 'visit', id FROM visits WHERE 'visit:' || id NOT IN (SELECT object FROM audit_log WHERE action = 'visit.record')`,
	],
];

/** SQLite's integrity check and the invariants above. */
export function checkInvariants(db, opts) {
	const problems = [];
	const ic = query(db, 'PRAGMA integrity_check', opts);
	if (ic.length !== 1 || ic[0][0] !== 'ok') problems.push(`integrity_check: ${ic.slice(0, 5).join('; ')}`);
	for (const [name, q] of INVARIANTS) {
		const rows = query(db, q, opts);
		if (rows.length) problems.push(`${name}: ${rows.length} violations, e.g. ${rows.slice(0, 3).map((r) => r.join('|')).join('; ')}`);
	}
	return problems;
}

const sortedTags = (xs) => [...xs].sort().join(',');

/**
 * Every acknowledged write is in the file with the values sent; refused ones
 * are absent; unanswered ones are absent or whole.
 */
export function checkLedger(db, ledger, opts) {
	const problems = [];
	const residents = new Map(
		query(
			db,
			`SELECT r.id, r.name, coalesce(r.household_id, ''), coalesce(group_concat(t.tag), '') FROM residents r
			 LEFT JOIN (SELECT resident_id, tag FROM resident_tags ORDER BY tag) t ON t.resident_id = r.id GROUP BY r.id`,
			opts,
		).map(([id, name, hh, tags]) => [Number(id), { name, hh: Number(hh), tags: sortedTags(tags ? tags.split(',') : []) }]),
	);
	for (const [id, { body }] of ledger.residents) {
		const got = residents.get(id);
		if (!got) problems.push(`acknowledged resident ${id} (${body.name}) is missing`);
		else if (got.name !== body.name || got.hh !== body.household_id || got.tags !== sortedTags(body.tags))
			problems.push(`resident ${id}: stored ${JSON.stringify(got)}, sent ${JSON.stringify(body)}`);
	}
	const byName = new Map([...residents.values()].map((r) => [r.name, r]));
	for (const body of ledger.unansweredResidents) {
		const got = byName.get(body.name);
		if (got && (got.hh !== body.household_id || got.tags !== sortedTags(body.tags)))
			problems.push(`unanswered resident ${body.name} is stored half: ${JSON.stringify(got)}`);
	}
	for (const body of ledger.refused.residents)
		if (byName.has(body.name)) problems.push(`refused resident ${body.name} is stored`);
	const households = new Set(query(db, 'SELECT id FROM households', opts).map(([id]) => Number(id)));
	for (const id of ledger.households.keys())
		if (!households.has(id)) problems.push(`acknowledged household ${id} is missing`);

	const visits = new Map(
		query(
			db,
			`SELECT v.id, v.household_id, v.outcome, v.notes,
			 (SELECT count(*) FROM visit_seen s WHERE s.visit_id = v.id),
			 (SELECT count(*) FROM visit_links l WHERE l.visit_id = v.id AND l.kind = 'work_order') FROM visits v`,
			opts,
		).map(([id, hh, outcome, notes, seen, orders]) => [
			Number(id),
			{ hh: Number(hh), outcome, notes, seen: Number(seen), orders: Number(orders) },
		]),
	);
	const whole = (got, body) =>
		got.hh === body.household_id &&
		got.outcome === body.outcome &&
		got.seen === (body.seen?.length ?? 0) &&
		got.orders === (body.demands?.length ?? 0);
	for (const [id, { body }] of ledger.visits) {
		const got = visits.get(id);
		if (!got) problems.push(`acknowledged visit ${id} is missing`);
		else if (got.notes !== body.notes || !whole(got, body))
			problems.push(`visit ${id}: stored ${JSON.stringify(got)}, sent ${JSON.stringify(body)}`);
	}
	const byNotes = new Map();
	for (const v of visits.values()) byNotes.set(v.notes, [...(byNotes.get(v.notes) ?? []), v]);
	for (const [id, { body }] of ledger.visits)
		if ((byNotes.get(body.notes) ?? []).length > 1) problems.push(`visit ${id} is stored ${byNotes.get(body.notes).length} times`);
	for (const { body } of ledger.unansweredVisits) {
		const got = byNotes.get(body.notes) ?? [];
		if (got.length > 1) problems.push(`an unanswered visit (${body.notes}) is stored ${got.length} times`);
		if (got.length === 1 && !whole(got[0], body)) problems.push(`unanswered visit ${body.notes} is stored half: ${JSON.stringify(got[0])}`);
	}
	for (const body of ledger.refused.visits)
		if (byNotes.has(body.notes)) problems.push(`refused visit (${body.notes}) is stored`);

	const orders = new Map(
		query(db, 'SELECT id, state, version FROM work_orders', opts).map(([id, state, v]) => [Number(id), { state, version: Number(v) }]),
	);
	for (const [id, o] of ledger.orders) {
		const got = orders.get(id);
		if (!got) problems.push(`acknowledged work order ${id} is missing`);
		else if (got.state === o.state && got.version === o.version) continue;
		else if (o.pending && got.state === o.pending.to && got.version === o.version + 1) continue;
		else problems.push(`work order ${id}: stored ${got.state} v${got.version}, acknowledged ${o.state} v${o.version}${o.pending ? ` (then ${o.pending.action} unanswered)` : ''}`);
	}
	return problems;
}
