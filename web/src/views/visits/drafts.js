// Visit drafts: a visit being entered on a phone is kept in localStorage, one per user and
// household, from the first tap on the door until the server has accepted it, so that neither a
// dropped connection nor a session that timed out (401 → login → back) loses it.
//
// A draft carries its Idempotency-Key (a UUID made with the draft). When it is sent, the exact
// JSON text is frozen in draft.pending first; as long as the outcome is unknown (no answer, 5xx,
// 409 "still being processed") the same text is sent again with the same key, so a visit that did
// reach the server is answered from its first response and stored once; a 401 keeps it frozen too,
// and it goes as it is once the user has logged in again. A definite refusal (403, 404, 422)
// stored nothing: the draft thaws and can be corrected. Success removes it.
import { reactive } from 'vue';

import { request } from '../../api.js';
import { session } from '../../store.js';
import { uuid } from './visits.js';

const PREFIX = 'doorstep.visit.';
/** A visit dated more than this after its draft began is sent with its own time (visited_at). */
const LATE_MS = 10 * 60 * 1000;

/** Households whose draft is being sent right now (one request at a time per draft). */
export const sending = reactive(new Set());

function storageKey(household, user = session.user?.id) {
	return `${PREFIX}${user}.${household}`;
}

function storage() {
	try {
		return window.localStorage;
	} catch {
		return null;
	}
}

/** A new draft for a household, with what the phone needs to show it offline. */
export function newDraft(householdId, snapshot = {}) {
	const now = new Date().toISOString();
	return {
		v: 1,
		user: session.user?.id ?? null,
		household_id: Number(householdId),
		key: uuid(),
		started_at: now,
		updated_at: now,
		visited_at: null,
		household: {
			address: snapshot.address ?? '',
			members: (snapshot.members ?? []).map((m) => ({ id: m.id, name: m.name, tags: m.tags ?? [] })),
			reasons: snapshot.reasons ?? [],
		},
		outcome: '',
		seen: [],
		residents: [],
		checklist: {},
		notes: '',
		demands: [],
		pending: null,
	};
}

/** The user's draft for a household, or null. */
export function readDraft(householdId) {
	const s = storage();
	if (!s || !session.user) return null;
	try {
		const d = JSON.parse(s.getItem(storageKey(householdId)) ?? 'null');
		return d && d.v === 1 && d.household_id === Number(householdId) ? d : null;
	} catch {
		return null;
	}
}

/** Keep a draft; false when the storage refused it (full or disabled). */
export function writeDraft(draft) {
	const s = storage();
	// Also while logged out (a 401 just ended the session): the draft knows whose it is.
	if (!s || (draft.user ?? session.user?.id) == null) return false;
	try {
		// A copy with the time: the draft itself is not changed (a page may be watching it).
		const text = JSON.stringify({ ...draft, updated_at: new Date().toISOString() });
		s.setItem(storageKey(draft.household_id, draft.user ?? session.user?.id), text);
		return true;
	} catch {
		return false;
	}
}

export function removeDraft(householdId) {
	try {
		storage()?.removeItem(storageKey(householdId));
	} catch {
		// nothing kept
	}
}

/** The user's drafts, oldest first. */
export function listDrafts() {
	const s = storage();
	if (!s || !session.user) return [];
	const mine = `${PREFIX}${session.user.id}.`;
	const out = [];
	for (let i = 0; i < s.length; i++) {
		const k = s.key(i);
		if (!k || !k.startsWith(mine)) continue;
		const d = readDraft(k.slice(mine.length));
		if (d) out.push(d);
	}
	return out.sort((a, b) => String(a.started_at).localeCompare(String(b.started_at)));
}

/** Whether nothing has been entered yet (such a draft is dropped when the form is left). */
export function isEmpty(d) {
	return !d.outcome && !d.notes.trim() && !d.demands.length && !Object.keys(d.checklist).length && !d.pending;
}

/** The demands that will be sent: those with a category and a description. */
export function filledDemands(d) {
	return d.demands.filter((x) => x.category && x.description.trim());
}

/** The body of POST /visits for a draft. */
export function draftBody(d, now = Date.now()) {
	const b = { household_id: d.household_id, outcome: d.outcome };
	const at = d.visited_at || d.started_at;
	if (at && now - Date.parse(at) > LATE_MS) b.visited_at = at.replace(/\.\d{3}Z$/, 'Z');
	if (d.outcome === 'met') b.seen = [...d.seen];
	if ((d.outcome === 'moved_away' || d.outcome === 'died') && d.residents.length) b.residents = [...d.residents];
	const checklist = Object.fromEntries(Object.entries(d.checklist).filter(([, v]) => v === 'ok' || v === 'concern'));
	if (Object.keys(checklist).length) b.checklist = checklist;
	if (d.notes.trim()) b.notes = d.notes.trim();
	const demands = filledDemands(d).map((x) => {
		const o = { category: x.category, description: x.description.trim() };
		if (x.urgency === 'urgent') o.urgency = 'urgent';
		if (x.resident_id) o.resident_id = x.resident_id;
		return o;
	});
	if (demands.length) b.demands = demands;
	return b;
}

/**
 * Answers after which the same text is sent again: the server may have stored it (no answer, 5xx,
 * 409 "still being processed"), or the session ended (401: sent as it is once the user has
 * logged in again and is back on the form).
 */
function sendAgain(e) {
	return e.status === 0 || e.status === 401 || e.status === 408 || e.status === 409 || e.status === 429 || e.status >= 500;
}

/**
 * Send a draft (POST /visits with its Idempotency-Key). Resolves
 *   {ok: true, visit}                         stored (or stored before: a replay); the draft is gone
 *   {ok: false, retry: true, error}           no definite answer, or logged out (401): kept frozen,
 *                                             to be sent again as it is
 *   {ok: false, retry: false, error}          refused (422 with error.fieldErrors, 403, 404):
 *                                             nothing stored, the draft can be changed
 *   {ok: false, retry: false, recorded: true} the key was used for another body that was stored
 *                                             (cannot happen while pending is frozen; kept as a
 *                                             guard): the visit is on record, the draft is stale
 */
export async function sendDraft(draft) {
	const id = draft.household_id;
	if (sending.has(id)) return { ok: false, retry: true, busy: true, error: null };
	sending.add(id);
	try {
		if (!draft.pending) {
			draft.pending = { body: JSON.stringify(draftBody(draft)), at: new Date().toISOString(), tries: 0 };
		}
		draft.pending.tries += 1;
		writeDraft(draft);
		try {
			const visit = await request('POST', '/visits', {
				raw: draft.pending.body,
				contentType: 'application/json',
				headers: { 'Idempotency-Key': draft.key },
			});
			removeDraft(id);
			return { ok: true, visit };
		} catch (e) {
			if (sendAgain(e)) {
				draft.pending.error = e.status === 0 ? 'offline' : e.status === 401 ? 'login' : 'server';
				writeDraft(draft);
				return { ok: false, retry: true, error: e };
			}
			if (e.status === 422 && 'Idempotency-Key' in e.fieldErrors) {
				return { ok: false, retry: false, recorded: true, error: e };
			}
			// Refused before anything was stored (and a failure is not kept with the key): thaw.
			draft.pending = null;
			writeDraft(draft);
			return { ok: false, retry: false, error: e };
		}
	} finally {
		sending.delete(id);
	}
}

/** Send every frozen draft again (after the connection came back); resolves how many were stored. */
export async function resendPending() {
	let stored = 0;
	for (const d of listDrafts()) {
		if (!d.pending) continue;
		const r = await sendDraft(d);
		if (r.ok) stored++;
		else if (r.error?.status === 0 || r.error?.status === 401) break; // still offline, or logged out
	}
	return stored;
}
