// Shared by the registry pages: the tag list (GET /tags, which already leaves out the sensitive
// tags for roles that may not see them), and the labels of tags, genders, documents and relations.
import { ref } from 'vue';

import { api, fetchAll } from '../../api.js';
import { i18n } from '../../i18n.js';
import { session } from '../../store.js';

/** Tags derived from the birth date: not stored, but the list filters by them (?tag=aged_60). */
export const DERIVED_TAGS = ['aged_60', 'aged_80', 'minor'];
export const GENDERS = ['male', 'female'];
export const DOCUMENT_TYPES = ['id_card', 'hkmotw_permit', 'foreign_permit', 'passport', 'none'];
export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'other'];
/** Documents whose number carries the birth date and sex (GB 11643). */
export const DERIVING = ['id_card', 'hkmotw_permit'];
/** Life events (src/registry/events.c) and their states. */
export const EVENT_KINDS = ['move_in', 'move_out', 'move', 'death', 'deregistration'];
export const EVENT_STATUS_TYPES = { proposed: 'warning', confirmed: 'success', rejected: 'info' };
/** A resident's status after confirmed events (active, moved_out, deceased, deregistered). */
export const STATUS_TYPES = { active: 'success', moved_out: 'info', deceased: 'info', deregistered: 'info' };

const tags = ref([]);
let loadedFor = null;
let pending = null;

/** Resolves to [{id, name_zh, name_en, aliases, sensitive}] for the current user (cached per user). */
export function loadTags() {
	const who = session.user?.id ?? null;
	if (loadedFor === who && tags.value.length) return Promise.resolve(tags.value);
	if (!pending) {
		pending = fetchAll((cursor) => api.get('/tags', { limit: 200, cursor }))
			.then((items) => {
				tags.value = items;
				loadedFor = who;
				return items;
			})
			.finally(() => (pending = null));
	}
	return pending;
}

/** The stored tags known so far, which can be assigned (reactive). GET /tags may list the derived
 * ones too (marked derived: true); they are left out here. */
export function knownTags() {
	return tags.value.filter((x) => !x.derived && !DERIVED_TAGS.includes(x.id));
}

/** A tag's name in the current language: stored tags from /tags, derived ones from the locale. */
export function tagLabel(id) {
	const t = i18n.global.t;
	if (DERIVED_TAGS.includes(id)) return t(`registry.derived.${id}`);
	const tag = tags.value.find((x) => x.id === id);
	if (!tag) return id;
	return i18n.global.locale.value === 'en' ? tag.name_en : tag.name_zh;
}

/** A translated enum value (registry.gender.male, ...), '—' for null. */
export function enumLabel(group, value) {
	if (value === null || value === undefined || value === '') return '—';
	const key = `registry.${group}.${value}`;
	return i18n.global.te(key) ? i18n.global.t(key) : value;
}

/** The household's address in one line: area, unit, room. */
export function addressText(h) {
	if (!h) return '';
	const t = i18n.global.t;
	const parts = [h.area_name];
	if (h.unit) parts.push(t('registry.unitValue', { unit: h.unit }));
	if (h.room) parts.push(t('registry.roomValue', { room: h.room }));
	return parts.join(' ');
}
