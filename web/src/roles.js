// The role list (GET /roles), fetched once and shared by the pages that assign roles.
import { ref } from 'vue';

import { api, fetchAll } from './api.js';

const roles = ref([]);
let pending = null;

/** Resolves to [{id, name_zh, name_en, permissions}], cached after the first success. */
export function loadRoles() {
	if (roles.value.length) return Promise.resolve(roles.value);
	if (!pending) {
		pending = fetchAll((cursor) => api.get('/roles', { limit: 200, cursor }))
			.then((items) => (roles.value = items))
			.finally(() => (pending = null));
	}
	return pending;
}

/** Turn 422 errors on a role assignment ("role", "area_code", "roles[0].role", "roles[0]") into {role, area}. */
export function assignmentErrors(fieldErrors) {
	const out = { role: '', area: '' };
	for (const [field, detail] of Object.entries(fieldErrors)) {
		const f = field.replace(/^roles\[\d+\]\.?/, '');
		if (f === 'role') out.role = detail;
		else if (f === 'area_code' || f === '' || f === 'area') out.area = detail;
	}
	return out;
}
