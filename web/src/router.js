// Client routes. Every page component is loaded lazily so that the first screen (the login page)
// carries only what it needs. meta.public: reachable without a session; meta.perm: the permission
// the page needs (the side menu uses the same table, see menu.js).
import { createRouter, createWebHistory } from 'vue-router';

import { area, hasPermission, loadSession, session } from './store.js';

const routes = [
	{ path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
	{
		path: '/password/change',
		name: 'forced-password',
		component: () => import('./views/ForcedPasswordView.vue'),
		meta: { forced: true },
	},
	{
		path: '/',
		component: () => import('./layouts/AppLayout.vue'),
		children: [
			{ path: '', name: 'home', component: () => import('./views/HomeView.vue') },
			{
				path: 'users',
				name: 'users',
				component: () => import('./views/UsersView.vue'),
				meta: { perm: 'users.manage' },
			},
			{
				path: 'users/:id(\\d+)',
				name: 'user',
				component: () => import('./views/UserView.vue'),
				meta: { perm: 'users.manage', menu: 'users' },
			},
			{
				path: 'residents',
				name: 'residents',
				component: () => import('./views/residents/ResidentsView.vue'),
				meta: { perm: 'residents.read' },
			},
			{
				path: 'residents/new',
				name: 'resident-new',
				component: () => import('./views/residents/ResidentFormView.vue'),
				meta: { perm: 'residents.write', menu: 'residents' },
			},
			{
				path: 'residents/:id(\\d+)',
				name: 'resident',
				component: () => import('./views/residents/ResidentView.vue'),
				meta: { perm: 'residents.read', menu: 'residents' },
			},
			{
				path: 'households/:id(\\d+)',
				name: 'household',
				component: () => import('./views/residents/HouseholdView.vue'),
				meta: { perm: 'residents.read', menu: 'residents' },
			},
			{
				path: 'audit',
				name: 'audit',
				component: () => import('./views/AuditView.vue'),
				meta: { perm: 'audit.read' },
			},
			{ path: 'profile', name: 'profile', component: () => import('./views/ProfileView.vue') },
			{
				path: 'profile/password',
				name: 'password',
				component: () => import('./views/PasswordView.vue'),
				meta: { menu: 'profile' },
			},
			{
				path: ':pathMatch(.*)*',
				name: 'not-found',
				component: () => import('./views/NotFoundView.vue'),
			},
		],
	},
];

export const router = createRouter({
	history: createWebHistory(),
	routes,
	scrollBehavior: () => ({ top: 0 }),
});

router.beforeEach(async (to) => {
	if (!session.checked) {
		try {
			await loadSession();
		} catch {
			// The server could not be reached: the login page says so when it is used.
		}
	}
	const loggedIn = Boolean(session.user);
	if (to.meta.public) {
		if (loggedIn) return session.mustChangePassword ? { name: 'forced-password' } : { name: 'home' };
		return true;
	}
	if (!loggedIn) {
		const redirect = to.fullPath !== '/' ? to.fullPath : undefined;
		return { name: 'login', query: redirect ? { redirect } : {} };
	}
	// While the password must be changed, nothing but the forced change page is reachable.
	if (session.mustChangePassword) return to.meta.forced ? true : { name: 'forced-password' };
	if (to.meta.forced) return { name: 'home' };
	if (to.meta.perm && !hasPermission(to.meta.perm)) return { name: 'home' };
	// Keep the chosen area in the URL while moving between pages.
	if (area.code && hasPermission('areas.read') && !to.query.area) {
		return { ...to, query: { ...to.query, area: area.code } };
	}
	return true;
});
