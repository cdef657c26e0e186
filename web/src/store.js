// Small reactive stores: the session (who is logged in) and the chosen area.
import { reactive } from 'vue';

import { api, isMustChangeProblem, setCsrfToken } from './api.js';

export const session = reactive({
	/** USER from GET /me or the login response, or null when logged out. */
	user: null,
	mustChangePassword: false,
	/** True once GET /me has answered (or failed) after the page was loaded. */
	checked: false,
	/** Why the user was sent to the login page: 'expired' (a 401), 'logout', 'noaccess' (a 403 on GET /me) or ''. */
	endReason: '',
});

/** Take a login or GET /me response. */
export function setSession(data) {
	setCsrfToken(data?.csrf_token);
	session.user = data?.user ?? null;
	session.mustChangePassword = Boolean(data?.must_change_password);
	session.checked = true;
	if (session.user) session.endReason = '';
}

export function clearSession(reason = '') {
	setCsrfToken(null);
	session.user = null;
	session.mustChangePassword = false;
	session.checked = true;
	session.endReason = reason;
	area.code = '';
	area.name = '';
}

/** GET /me: recovers the session and the CSRF token after a page reload. Never throws on 401. */
export async function loadSession() {
	try {
		setSession(await api.me());
	} catch (e) {
		if (e.status === 401) clearSession();
		// 403 (not "change your password"): the account may not use even its own profile, e.g. it
		// has no role at all. Treat it as logged out, with a word on the login page.
		else if (e.status === 403 && !isMustChangeProblem(e.problem)) clearSession('noaccess');
		else {
			session.checked = true;
			throw e;
		}
	}
	return session.user;
}

export function hasPermission(perm) {
	return Boolean(session.user?.permissions?.includes(perm));
}

/** Whoever takes part in the work-order loop: staff, handlers, and residents raising demands. */
export const ORDER_USERS = ['orders.read', 'orders.create', 'orders.handle', 'orders.evaluate'];

/** The door-knocking overview: staff who plan, and grid workers who handle their grid's alerts. */
export const VISIT_OVERVIEW = ['visits.plan', 'alerts.handle'];

/** A route's or menu entry's permission: one name, or a list of which any one will do. */
export function allowedBy(perm) {
	if (!perm) return true;
	return Array.isArray(perm) ? perm.some(hasPermission) : hasPermission(perm);
}

/** True when every role of the user is "resident": the self-service pages speak plainly. */
export function residentOnly() {
	const roles = session.user?.roles ?? [];
	return roles.length > 0 && roles.every((r) => r.role === 'resident');
}

/**
 * The area chosen in the header's selector. It is mirrored in the URL query (?area=CODE) and
 * offered to pages that list things: '' means "all of my areas".
 */
export const area = reactive({
	code: '',
	name: '',
});
