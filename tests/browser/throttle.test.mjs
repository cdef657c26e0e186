// Too many failed logins from one address: the login page says so, with the minutes to wait.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { login, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer({
		users: [{ username: 'staff1', role: 'community_staff', area: '420107005008' }],
		set: { ip_login_failures: 10, ip_window: 600 },
	});
});
after(() => srv?.stop());

test('429 from the per-address throttle is shown with the minutes to wait', { timeout: 60000 }, async () => {
	// Failures under different (unknown) names, so that no account is locked first.
	let status = 0;
	for (let i = 0; i < 20 && status !== 429; i++) {
		const r = await fetch(srv.url + '/api/v1/session', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ username: `nobody${i}`, password: 'Wrong-password-1' }),
		});
		status = r.status;
	}
	assert.equal(status, 429, 'the server throttles this address');
	await withBrowser({ locale: 'zh-CN' }, async ({ page }) => {
		await login(page, srv.url, 'staff1', PASSWORD);
		const error = page.locator('[data-test="login-error"]');
		await error.waitFor();
		assert.match(await error.innerText(), /登录尝试次数过多，请在 \d+ 分钟后重试/);
		assert.match(page.url(), /\/login/);
	});
});
