// Languages: Simplified Chinese and English. The first visit follows navigator.language; the
// choice made in the header or on the login page is kept in localStorage.
import elEn from 'element-plus/es/locale/lang/en.mjs';
import elZhCn from 'element-plus/es/locale/lang/zh-cn.mjs';
import { computed } from 'vue';
import { createI18n } from 'vue-i18n';

import en from './locales/en.js';
import zhCN from './locales/zh-CN.js';

export const LOCALES = [
	{ code: 'zh-CN', label: '中文' },
	{ code: 'en', label: 'English' },
];
const STORAGE_KEY = 'doorstep.locale';
const elementLocales = { 'zh-CN': elZhCn, en: elEn };

function initialLocale() {
	try {
		const saved = localStorage.getItem(STORAGE_KEY);
		if (saved && elementLocales[saved]) return saved;
	} catch {
		// storage disabled: fall through to the browser's language
	}
	const langs = navigator.languages?.length ? navigator.languages : [navigator.language || ''];
	for (const l of langs) {
		const lower = String(l).toLowerCase();
		if (lower.startsWith('zh')) return 'zh-CN';
		if (lower.startsWith('en')) return 'en';
	}
	return 'zh-CN';
}

export const i18n = createI18n({
	legacy: false,
	globalInjection: true,
	locale: initialLocale(),
	fallbackLocale: 'zh-CN',
	messages: { 'zh-CN': zhCN, en },
	missingWarn: false,
	fallbackWarn: false,
});

/** The Element Plus locale that follows the app's language (for <el-config-provider>). */
export const elementLocale = computed(() => elementLocales[i18n.global.locale.value]);

function applyDocumentLanguage(code) {
	document.documentElement.lang = code;
	document.title = i18n.global.t('app.title');
}

export function setLocale(code) {
	if (!elementLocales[code]) return;
	i18n.global.locale.value = code;
	try {
		localStorage.setItem(STORAGE_KEY, code);
	} catch {
		// not remembered when storage is disabled
	}
	applyDocumentLanguage(code);
}

applyDocumentLanguage(i18n.global.locale.value);

/** A role's name in the current language. */
export function roleName(id) {
	const key = `roles.${id}`;
	return i18n.global.te(key) ? i18n.global.t(key) : id;
}

/** An ISO-8601 time shown in the browser's local time zone, in the current language. */
export function formatTime(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(i18n.global.locale.value, {
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hour12: false,
	}).format(d);
}
