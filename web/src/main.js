// Entry point: Vue + router + i18n. Element Plus components are imported on demand by the build
// (see vite.config.js), never installed whole.
import { createApp } from 'vue';

import { setApiHandlers } from './api.js';
import App from './App.vue';
import { i18n } from './i18n.js';
import { router } from './router.js';
import { clearSession, session } from './store.js';
import './styles.css';

setApiHandlers({
	// Any 401 (the session expired or was ended elsewhere): forget the user and go to the login page.
	unauthorized() {
		const current = router.currentRoute.value;
		const wasLoggedIn = Boolean(session.user);
		clearSession(wasLoggedIn ? 'expired' : '');
		if (!current.meta.public) {
			const redirect = current.fullPath && current.fullPath !== '/' ? current.fullPath : undefined;
			router.replace({ name: 'login', query: redirect ? { redirect } : {} });
		}
	},
	// 403 "change your password first": only the forced change page is reachable.
	mustChangePassword() {
		session.mustChangePassword = true;
		if (router.currentRoute.value.name !== 'forced-password') router.replace({ name: 'forced-password' });
	},
});

createApp(App).use(i18n).use(router).mount('#app');
