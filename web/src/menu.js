// The side menu: only the pages the user's permissions allow. An entry with children is a group
// (el-sub-menu, open by default); a group left with one allowed child shows that child alone.
// perm: one permission or a list of which any one will do; when(): a further condition; label:
// a message key, or a function that returns one (residents see plainer names).
import {
	Avatar,
	Bell,
	Calendar,
	CollectionTag,
	DataAnalysis,
	DocumentAdd,
	Finished,
	Guide,
	House,
	List,
	MapLocation,
	Memo,
	OfficeBuilding,
	Position,
	Setting,
	Stamp,
	Tickets,
	TrendCharts,
	Upload,
	User,
	UserFilled,
} from '@element-plus/icons-vue';

import { ORDER_USERS, VISIT_OVERVIEW, allowedBy, residentOnly } from './store.js';

const ITEMS = [
	{ name: 'home', label: 'nav.home', icon: House },
	{
		group: 'orders',
		label: () => (residentOnly() ? 'nav.demands' : 'nav.orders'),
		icon: Memo,
		children: [
			{
				name: 'orders',
				label: () => (residentOnly() ? 'nav.myDemands' : 'nav.inbox'),
				icon: Tickets,
				perm: ORDER_USERS,
			},
			{
				name: 'order-new',
				label: () => (residentOnly() ? 'nav.raiseDemand' : 'nav.newDemand'),
				icon: DocumentAdd,
				perm: 'orders.create',
			},
			{ name: 'order-requests', label: 'nav.orderRequests', icon: Stamp, perm: 'orders.manage' },
			{ name: 'order-stats', label: 'nav.orderStats', icon: DataAnalysis, perm: 'orders.read' },
			{ name: 'order-categories', label: 'nav.categories', icon: CollectionTag, perm: 'orders.configure' },
			{ name: 'holidays', label: 'nav.holidays', icon: Calendar, perm: 'orders.configure' },
		],
	},
	{
		group: 'visits',
		label: 'nav.visits',
		icon: Guide,
		children: [
			{ name: 'visit-today', label: 'nav.visitToday', icon: Position, perm: 'visits.record' },
			{ name: 'visit-plan', label: 'nav.visitPlan', icon: Calendar, perm: 'visits.plan' },
			{ name: 'visit-overview', label: 'nav.visitOverview', icon: TrendCharts, perm: VISIT_OVERVIEW },
			{ name: 'alerts', label: 'nav.alerts', icon: Bell, perm: 'alerts.read' },
			{ name: 'visit-teams', label: 'nav.visitTeams', icon: Setting, perm: 'visits.configure' },
		],
	},
	{
		group: 'registry',
		label: 'nav.registry',
		icon: Avatar,
		children: [
			{ name: 'residents', label: 'nav.residents', icon: List, perm: 'residents.read' },
			{ name: 'life-events', label: 'nav.lifeEvents', icon: Finished, perm: 'residents.confirm' },
			{ name: 'residents-import', label: 'nav.import', icon: Upload, perm: 'residents.write' },
			{ name: 'areas', label: 'nav.areas', icon: MapLocation, perm: 'residents.read' },
		],
	},
	{ name: 'partners', label: 'nav.partners', icon: OfficeBuilding, perm: 'partners.read' },
	{ name: 'users', label: 'nav.users', icon: UserFilled, perm: 'users.manage' },
	{ name: 'audit', label: 'nav.audit', icon: Tickets, perm: 'audit.read' },
	{ name: 'profile', label: 'nav.profile', icon: User }, // every signed-in user
];

const allowed = (item) => allowedBy(item.perm) && (!item.when || item.when());
const resolved = (item) => ({ ...item, label: typeof item.label === 'function' ? item.label() : item.label });

/** The menu items this user may use (call inside a computed so it follows the session). */
export function menuItems() {
	const out = [];
	for (const item of ITEMS) {
		if (!item.children) {
			if (allowed(item)) out.push(resolved(item));
			continue;
		}
		const children = item.children.filter(allowed).map(resolved);
		if (children.length === 1) out.push({ ...children[0], icon: item.icon });
		else if (children.length > 1) out.push({ ...resolved(item), children });
	}
	return out;
}

/** The groups' indexes, to open them all by default. */
export function menuGroups(items) {
	return items.filter((i) => i.children).map((i) => `group-${i.group}`);
}
