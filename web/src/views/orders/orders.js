// Shared by the work-order pages: the loop's states and actions, their labels, the categories
// (GET /categories, cached), time limits as text and colour, the plain-language sentences that
// residents read, and who may take which step (the server's `actions`; the requests, which it
// does not list, from the caller's part in the order).
import { ref } from 'vue';

import { api, fetchAll } from '../../api.js';
import { i18n } from '../../i18n.js';
import { loadRoles } from '../../roles.js';
import { hasPermission, session } from '../../store.js';

export const STATES = ['collected', 'accepted', 'rejected', 'dispatched', 'handled', 'reported', 'verified', 'closed', 'evaluated', 'voided'];
/** States whose time limit runs (the server's loop_open). */
export const OPEN_STATES = ['dispatched', 'handled', 'reported', 'verified'];
export const STATE_TYPES = {
	collected: 'info',
	accepted: 'primary',
	rejected: 'info',
	dispatched: 'warning',
	handled: 'warning',
	reported: 'primary',
	verified: 'primary',
	closed: 'success',
	evaluated: 'success',
	voided: 'info',
};
/** The time-limit colours as Element Plus types. */
export const WARNING_TYPES = { green: 'success', yellow: 'warning', red: 'danger' };
export const URGENCIES = ['normal', 'urgent'];
export const CHANNELS = ['walk_in', 'visit', 'phone', 'patrol', 'self_service', 'open311'];
export const SATISFACTIONS = ['satisfied', 'basically_satisfied', 'dissatisfied'];
export const REQUEST_KINDS = ['extend', 'defer', 'return', 'void'];
/** The inboxes, in the order their tabs appear, with the permission that gives each. */
export const BOXES = [
	{ box: 'to_accept', perm: 'orders.manage' },
	{ box: 'to_dispatch', perm: 'orders.manage' },
	{ box: 'mine', perm: 'orders.handle' },
	{ box: 'to_verify', perm: 'orders.manage' },
	{ box: 'overdue', perm: 'orders.manage' },
	{ box: 'raised', perm: 'orders.create' },
	{ box: 'all', perm: 'orders.read' },
];

const t = (...args) => i18n.global.t(...args);
const en = () => i18n.global.locale.value === 'en';

/** A translated value of one of the orders.* enums ('—' for none). */
export function label(group, value) {
	if (value === null || value === undefined || value === '') return '—';
	const key = `orders.${group}.${value}`;
	return i18n.global.te(key) ? t(key) : value;
}

// --- categories ---

const categories = ref([]);
let categoriesFor = null;
let pendingCategories = null;

/** The active categories, cached per user (reactive list in categoriesList()). */
export function loadCategories() {
	const who = session.user?.id ?? null;
	if (categoriesFor === who && categories.value.length) return Promise.resolve(categories.value);
	if (!pendingCategories) {
		pendingCategories = fetchAll((cursor) => api.get('/categories', { cursor, limit: 200 }))
			.then((items) => {
				categories.value = items;
				categoriesFor = who;
				return items;
			})
			.finally(() => (pendingCategories = null));
	}
	return pendingCategories;
}

export function categoriesList() {
	return categories.value;
}

/** Forget the cache (after the configuration page changed a category). */
export function forgetCategories() {
	categories.value = [];
	categoriesFor = null;
}

/** A category's (or an order's category's) name in the current language. */
export function categoryName(x) {
	if (!x) return '';
	if ('category_zh' in x) return en() ? x.category_en : x.category_zh;
	return en() ? x.name_en : x.name_zh;
}

/** The categories grouped as [{label, options: [category]}], in their order. */
export function categoryGroups(list) {
	const groups = [];
	for (const c of list) {
		const name = en() ? c.group_en : c.group_zh;
		let g = groups.find((x) => x.label === name);
		if (!g) groups.push((g = { label: name || '—', options: [] }));
		g.options.push(c);
	}
	return groups;
}

// --- times ---

/** A short local time: 11月30日 16:30 / Nov 30, 16:30. */
export function formatShort(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(i18n.global.locale.value, {
		month: 'short',
		day: 'numeric',
		hour: '2-digit',
		minute: '2-digit',
		hour12: false,
	}).format(d);
}

/** A duration of seconds as text: 2 d 3 h, 5 h 20 min, 40 min. */
export function formatDuration(seconds) {
	const s = Math.max(0, Math.round(Math.abs(seconds)));
	const d = Math.floor(s / 86400);
	const h = Math.floor((s % 86400) / 3600);
	const m = Math.floor((s % 3600) / 60);
	if (d > 0) return h > 0 ? t('orders.duration.dh', { d, h }) : t('orders.duration.d', { d });
	if (h > 0) return m > 0 ? t('orders.duration.hm', { h, m }) : t('orders.duration.h', { h });
	return t('orders.duration.m', { m: Math.max(1, m) });
}

/**
 * The time limit of an order as {text, type, percent, overdue}: time left or overdue while the limit
 * runs, closed on time or late afterwards; null when no limit was set.
 */
export function timeLimit(o, now = Date.now()) {
	if (!o?.due_at) return null;
	const due = Date.parse(o.due_at);
	if (OPEN_STATES.includes(o.state)) {
		const left = (due - now) / 1000;
		const start = o.dispatched_at ? Date.parse(o.dispatched_at) : now;
		const percent = due > start ? Math.min(100, Math.max(0, Math.round(((now - start) / (due - start)) * 100))) : 100;
		const type = WARNING_TYPES[o.warning] || (left < 0 ? 'danger' : 'success');
		if (o.deferred) return { text: t('orders.deferredLimit'), type: 'info', percent, overdue: false };
		return left < 0
			? { text: t('orders.overdueBy', { time: formatDuration(left) }), type, percent: 100, overdue: true }
			: { text: t('orders.timeLeft', { time: formatDuration(left) }), type, percent, overdue: false };
	}
	if (o.closed_at) {
		const late = Date.parse(o.closed_at) > due;
		return { text: late ? t('orders.closedLate') : t('orders.closedOnTime'), type: late ? 'danger' : 'success', percent: 100, overdue: late };
	}
	return null;
}

// --- steps and the plain-language view ---

/** The kind of the request waiting for a decision, from the timeline (null: none). */
export function pendingRequestKind(steps) {
	let pending = null;
	for (const s of steps ?? []) {
		if (s.action.startsWith('request_')) pending = s.action.slice(8);
		else if (s.action.startsWith('approve_') || s.action.startsWith('deny_')) pending = null;
	}
	return pending;
}

/** An evaluation step's note is "satisfaction" or "satisfaction: comment". */
export function splitEvaluation(note) {
	const m = /^(satisfied|basically_satisfied|dissatisfied)(?::\s*([\s\S]*))?$/.exec(note ?? '');
	return m ? { satisfaction: m[1], comment: m[2] ?? '' } : { satisfaction: null, comment: note ?? '' };
}

/** A step's name for staff: 受理, 派遣, 申请延期, 批准延期 ... */
export function actionLabel(action) {
	const m = /^(request|approve|deny)_(\w+)$/.exec(action);
	if (m) return t(`orders.requestAction.${m[1]}`, { kind: label('requestKind', m[2]) });
	return label('action', action);
}

/** What a step means to the resident who raised the demand, in one sentence. */
export function plainStep(s) {
	const m = /^(request|approve|deny)_(\w+)$/.exec(s.action);
	if (m) return t(`orders.plainRequest.${m[1]}`, { kind: label('requestKind', m[2]) });
	if (s.action === 'evaluate') {
		const { satisfaction } = splitEvaluation(s.note);
		return t('orders.plainStep.evaluate', { choice: label('satisfaction', satisfaction) });
	}
	if (s.action === 'reject') return t('orders.plainStep.reject', { note: s.note || '' });
	const key = `orders.plainStep.${s.action}`;
	return i18n.global.te(key) ? t(key) : actionLabel(s.action);
}

/** Where the demand stands, in one plain sentence (what the resident reads first). */
export function plainStatus(o, steps = []) {
	const who = o.assignee?.name || t('orders.plain.someone');
	const due = formatShort(o.due_at);
	switch (o.state) {
		case 'collected':
			return t('orders.plain.collected');
		case 'accepted':
			return t('orders.plain.accepted');
		case 'rejected': {
			const note = [...steps].reverse().find((s) => s.action === 'reject')?.note;
			return note ? t('orders.plain.rejectedWhy', { note }) : t('orders.plain.rejected');
		}
		case 'dispatched':
			if (o.deferred) return t('orders.plain.deferred', { who });
			return t(o.rework > 0 ? 'orders.plain.redispatched' : 'orders.plain.dispatched', { who, due });
		case 'handled':
			return t('orders.plain.handled', { who });
		case 'reported':
			return t('orders.plain.reported');
		case 'verified':
			return t('orders.plain.verified');
		case 'closed':
			return t('orders.plain.closed');
		case 'evaluated':
			return t('orders.plain.evaluated', { choice: label('satisfaction', o.satisfaction) });
		case 'voided':
			return t('orders.plain.voided');
		default:
			return label('state', o.state);
	}
}

/**
 * The resident's progress bar: sent, accepted, in progress, done, rated. plainStepIndex gives the
 * bar's active step (the steps before it are finished; a rejected or voided demand stops there).
 */
export const PLAIN_STEPS = ['submitted', 'accepted', 'handling', 'done', 'evaluated'];
export function plainStepIndex(state) {
	const index = { collected: 1, accepted: 2, rejected: 1, dispatched: 2, handled: 2, reported: 2, verified: 2, voided: 2, closed: 4, evaluated: 5 };
	return index[state] ?? 0;
}

// --- who may do what (the server decides and says so; this only reads what it says) ---

/** Steps of the loop that staff take, and those the assignee takes (src/orders/loop.c). */
const STAFF_STEPS = ['accept', 'reject', 'dispatch', 'verify', 'fail', 'close'];
const ASSIGNEE_STEPS = ['handle', 'report'];

/**
 * A function covers(perm, areaCode): whether one of the user's role assignments grants perm over
 * the area (from the roles' permissions, GET /roles, loaded for staff with orders.manage). Only the
 * requests (extend, defer, return, void) and their decisions need it: the server's `actions` name
 * the loop's steps, not the requests.
 */
export async function loadCoverage() {
	const user = session.user;
	// Only staff who run the loop need to know over which areas; the others cover nothing here.
	const roles = hasPermission('orders.manage') ? await loadRoles().catch(() => []) : [];
	const perms = new Map(roles.map((r) => [r.id, r.permissions ?? []]));
	return (perm, code) =>
		Boolean(user?.roles?.some((a) => (perms.get(a.role) ?? []).includes(perm) && String(code).startsWith(a.area_code)));
}

/** The steps of the loop the server says the caller may take now (GET /work-orders/{id} `actions`). */
export function serverActions(o) {
	return Array.isArray(o?.actions) ? o.actions.filter((a) => typeof a === 'string') : [];
}

/**
 * What the caller is to this order: {staff, assignee, raiser}. raiser is the server's
 * `raised_by_me`; staff and assignee follow from the steps the server offers (a staff step, a
 * handler's step), and, for the requests asked between steps, staff from covers(orders.manage)
 * and the assignee from the order's person.
 */
export function orderRights(o, covers) {
	const actions = serverActions(o);
	const me = session.user?.id;
	return {
		staff: actions.some((a) => STAFF_STEPS.includes(a)) || Boolean(covers?.('orders.manage', o.area_code)),
		assignee:
			actions.some((a) => ASSIGNEE_STEPS.includes(a)) ||
			(o.assignee?.kind === 'user' && o.assignee.id === me && hasPermission('orders.handle')),
		raiser: o.raised_by_me === true,
	};
}

/**
 * The steps the caller may take now: {transitions (the server's `actions`), requests}, given
 * {staff, assignee, pending} from orderRights and the timeline.
 */
export function availableActions(o, { staff, assignee, pending }) {
	const requests = [];
	if (!pending) {
		if (OPEN_STATES.includes(o.state) && (staff || assignee)) requests.push('extend', 'defer', 'return');
		if (staff && !['rejected', 'closed', 'evaluated', 'voided'].includes(o.state)) requests.push('void');
	}
	return { transitions: serverActions(o), requests };
}

/** Whether the time limit of an order's category counts working hours (for the extend form's hint). */
export function categoryOf(o) {
	return categories.value.find((c) => c.code === o?.category) ?? null;
}
