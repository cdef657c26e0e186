// The side menu: only the pages the user's permissions allow.
import { Avatar, House, Tickets, User, UserFilled } from '@element-plus/icons-vue';

import { hasPermission } from './store.js';

const ITEMS = [
	{ name: 'home', label: 'nav.home', icon: House },
	{ name: 'residents', label: 'nav.residents', icon: Avatar, perm: 'residents.read' },
	{ name: 'users', label: 'nav.users', icon: UserFilled, perm: 'users.manage' },
	{ name: 'audit', label: 'nav.audit', icon: Tickets, perm: 'audit.read' },
	{ name: 'profile', label: 'nav.profile', icon: User }, // every signed-in user
];

/** The menu items this user may use (call inside a computed so it follows the session). */
export function menuItems() {
	return ITEMS.filter((item) => !item.perm || hasPermission(item.perm));
}
