// Client routes. Every page component is loaded lazily so that the first screen (the login page)
// carries only what it needs. meta.public: reachable without a session; meta.perm: the permission
// the page needs, or a list of which any one will do (the side menu uses the same, see menu.js).
import { createRouter, createWebHistory } from 'vue-router';

import { ORDER_USERS, VISIT_OVERVIEW, allowedBy, area, hasPermission, loadSession, session } from './store.js';

const routes = [
	{ path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
	{
		path: '/password/change',
		name: 'forced-password',
		component: () => import('./views/ForcedPasswordView.vue'),
		meta: { forced: true },
	},
	// A walk list on paper: a page of its own, without the layout's header and menu.
	{
		path: '/visits/print',
		name: 'visit-print',
		component: () => import('./views/visits/PrintView.vue'),
		meta: { perm: 'visits.read' },
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
				path: 'residents/import',
				name: 'residents-import',
				component: () => import('./views/residents/ImportView.vue'),
				meta: { perm: 'residents.write' },
			},
			{
				path: 'residents/:id(\\d+)/edit',
				name: 'resident-edit',
				component: () => import('./views/residents/ResidentEditView.vue'),
				meta: { perm: 'residents.write', menu: 'residents' },
			},
			{
				path: 'life-events',
				name: 'life-events',
				component: () => import('./views/residents/PendingEventsView.vue'),
				meta: { perm: 'residents.confirm' },
			},
			{
				path: 'areas',
				name: 'areas',
				component: () => import('./views/residents/AreasView.vue'),
				meta: { perm: 'residents.read' },
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
			// Work orders (工单): the inboxes, one order, recording a demand, approvals, statistics,
			// and their configuration (categories, holidays); partner units, teams and cadres.
			{
				path: 'orders',
				name: 'orders',
				component: () => import('./views/orders/InboxView.vue'),
				meta: { perm: ORDER_USERS },
			},
			{
				path: 'orders/new',
				name: 'order-new',
				component: () => import('./views/orders/DemandFormView.vue'),
				meta: { perm: 'orders.create' },
			},
			{
				path: 'orders/:id(\\d+)',
				name: 'order',
				component: () => import('./views/orders/OrderView.vue'),
				meta: { perm: ORDER_USERS, menu: 'orders' },
			},
			{
				path: 'orders/requests',
				name: 'order-requests',
				component: () => import('./views/orders/RequestsView.vue'),
				meta: { perm: 'orders.manage' },
			},
			{
				path: 'orders/stats',
				name: 'order-stats',
				component: () => import('./views/orders/MetricsView.vue'),
				meta: { perm: 'orders.read' },
			},
			{
				path: 'orders/categories',
				name: 'order-categories',
				component: () => import('./views/orders/CategoriesView.vue'),
				meta: { perm: 'orders.configure' },
			},
			{
				path: 'orders/holidays',
				name: 'holidays',
				component: () => import('./views/orders/HolidaysView.vue'),
				meta: { perm: 'orders.configure' },
			},
			{
				path: 'partners',
				name: 'partners',
				component: () => import('./views/orders/PartnersView.vue'),
				meta: { perm: 'partners.read' },
			},
			// Door-knocking (天天敲门组): today's doors and the visit form (phones first), planning a
			// day, the overview for staff, welfare alerts, teams and cadences.
			{
				path: 'visits/today',
				name: 'visit-today',
				component: () => import('./views/visits/TodayView.vue'),
				meta: { perm: 'visits.record' },
			},
			{
				path: 'visits/households/:household(\\d+)',
				name: 'visit-record',
				component: () => import('./views/visits/VisitFormView.vue'),
				meta: { perm: 'visits.record', menu: 'visit-today' },
			},
			{
				path: 'visits/plan',
				name: 'visit-plan',
				component: () => import('./views/visits/PlanView.vue'),
				meta: { perm: 'visits.plan' },
			},
			{
				path: 'visits/overview',
				name: 'visit-overview',
				component: () => import('./views/visits/OverviewView.vue'),
				meta: { perm: VISIT_OVERVIEW },
			},
			{
				path: 'visits/teams',
				name: 'visit-teams',
				component: () => import('./views/visits/TeamsView.vue'),
				meta: { perm: 'visits.configure' },
			},
			{
				path: 'alerts',
				name: 'alerts',
				component: () => import('./views/visits/AlertsView.vue'),
				meta: { perm: 'alerts.read' },
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
	if (to.meta.perm && !allowedBy(to.meta.perm)) return { name: 'home' };
	// Keep the chosen area in the URL while moving between pages.
	if (area.code && hasPermission('areas.read') && !to.query.area) {
		return { ...to, query: { ...to.query, area: area.code } };
	}
	return true;
});
