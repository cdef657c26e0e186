// The two languages are complete: the same keys, no empty text, the same placeholders.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import en from '../../web/src/locales/en.js';
import zhCN from '../../web/src/locales/zh-CN.js';

function flatten(obj, prefix = '', out = {}) {
	for (const [k, v] of Object.entries(obj)) {
		const key = prefix ? `${prefix}.${k}` : k;
		if (v && typeof v === 'object') flatten(v, key, out);
		else out[key] = v;
	}
	return out;
}

const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('zh-CN and en have the same keys, all non-empty, with the same placeholders', () => {
	const a = flatten(zhCN);
	const b = flatten(en);
	assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
	for (const [k, v] of Object.entries(a)) {
		assert.ok(typeof v === 'string' && v.trim(), `zh-CN ${k}`);
		assert.ok(typeof b[k] === 'string' && b[k].trim(), `en ${k}`);
		assert.deepEqual(placeholders(v), placeholders(b[k]), k);
		// vue-i18n's special characters would change the message's meaning.
		for (const [lang, text] of [['zh-CN', v], ['en', b[k]]]) assert.doesNotMatch(text, /[@$|]/, `${lang} ${k}`);
	}
});

test('every role identifier has a name in both languages', () => {
	const roles = ['sysadmin', 'secadmin', 'auditor', 'district_admin', 'street_admin', 'community_staff', 'grid_worker',
		'doorknocker', 'cadre', 'partner_liaison', 'mediator', 'lawyer', 'teacher', 'canteen_staff', 'courier', 'resident'];
	for (const r of roles) {
		assert.ok(zhCN.roles[r], `zh-CN roles.${r}`);
		assert.ok(en.roles[r], `en roles.${r}`);
	}
});
