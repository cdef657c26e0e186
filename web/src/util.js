// Small helpers shared by the pages.
import { onBeforeUnmount, ref } from 'vue';

import { i18n } from './i18n.js';

/** The text to show for a failed API call (ApiError) in the current language. */
export function errorText(err) {
	const t = i18n.global.t;
	if (!err || err.status === undefined) return t('common.serverError');
	if (err.status === 0) return t('common.networkError');
	if (err.status >= 500) return err.detail || t('common.serverError');
	if (err.status === 403) return err.detail || t('common.forbidden');
	if (err.status === 404) return err.detail || t('common.notFound');
	return err.detail || t('common.serverError');
}

/** Reactive "the screen is narrow" (phones), following the CSS breakpoint of 768 px. */
export function useNarrow(query = '(max-width: 767px)') {
	const mq = window.matchMedia(query);
	const narrow = ref(mq.matches);
	const onChange = (e) => (narrow.value = e.matches);
	mq.addEventListener('change', onChange);
	onBeforeUnmount(() => mq.removeEventListener('change', onChange));
	return narrow;
}

/** Whole minutes, rounded up, for a number of seconds (at least 1). */
export function minutesFromSeconds(seconds) {
	return Math.max(1, Math.ceil(Number(seconds) / 60));
}

/** Client-side check of the password policy (the server checks it again, with the common list). */
export function passwordProblems(pw, username = '') {
	const t = i18n.global.t;
	if (!pw) return t('password.required');
	if ([...pw].length < 10) return t('password.tooShort');
	const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(pw)).length;
	if (classes < 3) return t('password.classes');
	const name = String(username ?? '').trim().toLowerCase();
	if (name.length >= 3 && pw.toLowerCase().includes(name)) return t('password.containsUsername');
	return '';
}

/** A Date (from a date picker) as ISO-8601 UTC without milliseconds, as the API expects. */
export function toIsoUtc(date) {
	if (!date) return undefined;
	const d = date instanceof Date ? date : new Date(date);
	if (Number.isNaN(d.getTime())) return undefined;
	return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
