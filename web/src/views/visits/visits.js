// Shared by the door-knocking pages (天天敲门组): the server's identifiers (outcomes, checklist,
// alert results), their labels, Beijing days (the server plans and counts in Beijing days, UTC+8,
// whatever the phone's time zone), the cadence tags, and small loaders.
import { api, fetchAll } from '../../api.js';
import { i18n } from '../../i18n.js';

/** Visit outcomes (src/visits/visits.c), in the order the quick buttons show them. */
export const OUTCOMES = ['met', 'not_home', 'refused', 'moved_away', 'in_hospital', 'died'];
export const OUTCOME_TYPES = {
	met: 'success',
	not_home: 'warning',
	refused: 'danger',
	moved_away: 'info',
	in_hospital: 'warning',
	died: 'info',
};
/** The checklist's items, each ok or concern (or left unchecked). */
export const CHECKLIST = ['health', 'living', 'gas', 'electricity', 'fire_exits'];
export const CHECKS = ['ok', 'concern'];
/** Welfare alerts (src/visits/alerts.c). */
export const ALERT_KINDS = ['not_seen', 'not_home'];
export const ALERT_STATUSES = ['open', 'acknowledged', 'closed'];
export const ALERT_STATUS_TYPES = { open: 'danger', acknowledged: 'warning', closed: 'success' };
export const ALERT_LEVELS = ['grid', 'community'];
export const ALERT_RESULTS = ['seen_in_person', 'reached_by_phone', 'with_relatives', 'in_hospital', 'moved_away', 'died', 'other'];
/** The tags a cadence rule can name (src/visits/cadence.c); "sensitive" stands for a hidden one. */
export const CADENCE_TAGS = [
	'living_alone',
	'empty_nest',
	'disabled',
	'minimum_income',
	'extreme_hardship',
	'party_member',
	'veteran',
	'key_care',
	'aged_60',
	'aged_80',
	'minor',
];
/** Tags worth a warning colour on a walk list. */
const URGENT_TAGS = ['living_alone', 'aged_80', 'key_care'];

const t = (...args) => i18n.global.t(...args);

/** A translated value of one of the visits.* groups ('—' for none). */
export function vlabel(group, value) {
	if (value === null || value === undefined || value === '') return '—';
	const key = `visits.${group}.${value}`;
	return i18n.global.te(key) ? t(key) : value;
}

export function tagName(tag) {
	return vlabel('tag', tag);
}

export function tagType(tag) {
	if (URGENT_TAGS.includes(tag)) return 'danger';
	if (tag === 'sensitive') return 'info';
	return 'warning';
}

// --- Beijing days ---

const DAY = 86400000;
const BEIJING = 8 * 3600000;

/** Today in Beijing as YYYY-MM-DD. */
export function beijingToday(now = Date.now()) {
	return new Date(now + BEIJING).toISOString().slice(0, 10);
}

/** The Beijing day of an ISO time, as YYYY-MM-DD. */
export function beijingDay(iso) {
	const ms = Date.parse(iso);
	return Number.isNaN(ms) ? '' : new Date(ms + BEIJING).toISOString().slice(0, 10);
}

/** A YYYY-MM-DD day plus n days. */
export function addDays(day, n) {
	return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** Whole days from day a to day b (YYYY-MM-DD). */
export function daysBetween(a, b) {
	return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
}

/** A day as the reader's short date: 11月29日 / Nov 29. */
export function formatDay(day) {
	if (!day) return '';
	const d = new Date(`${day}T00:00:00Z`);
	if (Number.isNaN(d.getTime())) return day;
	return new Intl.DateTimeFormat(i18n.global.locale.value, { month: 'short', day: 'numeric', weekday: 'short', timeZone: 'UTC' }).format(d);
}

/**
 * Days since the household was last met in person, from a walk-list item: it fell due its cadence
 * after that visit, so it is cadence_days + overdue_days (for a household never met, the days
 * since it was recorded).
 */
export function daysUnseen(item) {
	return Number(item.cadence_days) + Number(item.overdue_days);
}

/** How late a walk-list item is, as text and tag type. */
export function dueText(item) {
	const n = Number(item.overdue_days);
	if (n > 0) return { text: t('visits.overdueDays', { n }), type: n * 2 >= Number(item.cadence_days) ? 'danger' : 'warning' };
	if (n === 0) return { text: t('visits.dueToday'), type: 'primary' };
	return { text: t('visits.dueIn', { n: -n }), type: 'info' };
}

/** A person as {id, username, display_name}: the display name, else the username. */
export function personName(p) {
	return p?.display_name || p?.username || '';
}

// --- loaders ---

/** A day's plan: the caller's own list (mine) or the teams they plan for. */
export function loadPlan(day, { mine = false } = {}) {
	return api.get(`/visit-plans/${encodeURIComponent(day)}`, mine ? { mine: 'true' } : undefined);
}

/** Every page of GET path (query), up to max pages; resolves {items, complete}. */
export async function fetchPages(path, query = {}, max = 50) {
	const items = [];
	let cursor;
	for (let i = 0; i < max; i++) {
		const page = await api.get(path, { ...query, cursor, limit: 200 });
		items.push(...(page?.items ?? []));
		cursor = page?.next_cursor;
		if (!cursor) return { items, complete: true };
	}
	return { items, complete: false };
}

/** The knock teams in reach (short lists). */
export function loadTeams() {
	return fetchAll((cursor) => api.get('/knock-teams', { cursor, limit: 200 }));
}

/** A random UUID (version 4), also where crypto.randomUUID is missing (plain http). */
export function uuid() {
	if (typeof crypto.randomUUID === 'function') {
		try {
			return crypto.randomUUID();
		} catch {
			// not a secure context: below
		}
	}
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
