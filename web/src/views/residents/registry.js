// Shared by the registry pages: the tag list (GET /tags, which already leaves out the sensitive
// tags for roles that may not see them), and the labels of tags, genders, documents and relations.
import { ref } from 'vue';

import { api, fetchAll } from '../../api.js';
import { i18n } from '../../i18n.js';
import { session } from '../../store.js';

/** Tags derived from the birth date (not stored, not filterable). */
export const DERIVED_TAGS = ['aged_60', 'aged_80', 'minor'];
export const GENDERS = ['male', 'female'];
export const DOCUMENT_TYPES = ['id_card', 'hkmotw_permit', 'foreign_permit', 'passport', 'none'];
export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'other'];

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

/** The tags known so far (reactive). */
export function knownTags() {
	return tags.value;
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
