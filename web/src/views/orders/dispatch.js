// The choices of the dispatch form: work teams (GET /teams), partner units (GET /partners) and
// people. There is no list of "everyone who may handle orders here" for staff, so the people are
// the members of the teams that work in the order's area (GET /teams/{id}) and the cadres checked
// in at its community (GET /cadres). Whatever the caller may not read (403) is left out.
import { api, fetchAll } from '../../api.js';

/** Whether two area codes are on one branch (one is the other's ancestor, or the same). */
export function related(a, b) {
	return Boolean(a && b) && (a.startsWith(b) || b.startsWith(a));
}

async function quiet(promise) {
	try {
		return await promise;
	} catch (e) {
		if (e.status === 403 || e.status === 404) return [];
		throw e;
	}
}

/** Resolves to {teams, partners, people}: the ones related to the order's area first. */
export async function loadDispatchChoices(order, { maxTeamsForPeople = 12 } = {}) {
	const code = order.area_code;
	const [teams, partners, cadres] = await Promise.all([
		quiet(fetchAll((cursor) => api.get('/teams', { cursor, limit: 200 }), 5)),
		quiet(fetchAll((cursor) => api.get('/partners', { cursor, limit: 200 }), 5)),
		quiet(fetchAll((cursor) => api.get('/cadres', { cursor, limit: 200 }), 5)),
	]);
	const teamNear = (x) => related(x.area_code, code);
	const partnerNear = (p) => (p.areas ?? []).some((a) => related(a.code, code));
	const byNear = (near) => (x, y) => Number(near(y)) - Number(near(x));
	teams.sort(byNear(teamNear));
	partners.sort(byNear(partnerNear));

	const people = new Map();
	const near = teams.filter(teamNear).slice(0, maxTeamsForPeople);
	const details = await Promise.all(near.map((x) => quiet(api.get(`/teams/${x.id}`)).catch(() => null)));
	for (const team of details) {
		for (const m of team?.members ?? []) {
			if (!people.has(m.user_id)) people.set(m.user_id, { id: m.user_id, name: m.display_name || m.username, username: m.username, hint: team.name });
		}
	}
	for (const c of cadres) {
		if (!related(c.community, code) || people.has(c.user_id)) continue;
		people.set(c.user_id, { id: c.user_id, name: c.display_name || c.username, username: c.username, hint: c.partner_name || c.community_name });
	}
	return {
		teams: teams.map((x) => ({ id: x.id, name: x.name, hint: x.area_name, near: teamNear(x) })),
		partners: partners.map((p) => ({ id: p.id, name: p.name, hint: (p.areas ?? []).map((a) => a.name).join('、'), near: partnerNear(p) })),
		people: [...people.values()],
	};
}
