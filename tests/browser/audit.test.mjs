// The audit log (the auditor): filter by outcome, and export as CSV through a job.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { loginToHome, withBrowser } from './browser.mjs';
import { PASSWORD, startServer } from './server.mjs';

let srv;
before(async () => {
	srv = await startServer({
		users: [
			{ username: 'auditor1', role: 'auditor' },
			{ username: 'staff1', role: 'community_staff', area: '420107005008' },
		],
	});
	// One failed login to find.
	await fetch(srv.url + '/api/v1/session', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ username: 'staff1', password: 'Wrong-password-1' }),
	});
});
after(() => srv?.stop());

test('filter the audit log and export it as CSV', { timeout: 90000 }, async () => {
	await withBrowser({ locale: 'en-US' }, async ({ page }) => {
		await loginToHome(page, srv.url, 'auditor1', PASSWORD);
		await page.locator('[data-test="side-menu"] [data-test="menu-audit"]').click();
		const table = page.locator('[data-test="audit-table"]');
		await table.locator('.el-table__row').first().waitFor();

		await page.locator('input[data-test="audit-username"]').fill('staff1');
		await page.locator('[data-test="audit-outcome"]').first().click();
		await page.locator('.el-select-dropdown__item:visible', { hasText: 'Failure' }).click();
		await page.locator('[data-test="audit-search"]').click();
		await table.locator('.el-table__row', { hasText: 'staff1' }).first().waitFor();
		const rows = await table.locator('.el-table__row').allInnerTexts();
		assert.ok(rows.length >= 1);
		for (const r of rows) {
			assert.match(r, /staff1/);
			assert.match(r, /Failure/);
		}

		await page.locator('[data-test="audit-export"]').click();
		const link = page.locator('[data-test="audit-download"]');
		await link.waitFor({ timeout: 30000 });
		const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
		const csv = fs.readFileSync(await download.path(), 'utf8');
		assert.match(csv, /staff1/);
		assert.doesNotMatch(csv, /auditor1/, 'the export follows the filters');
	});
});
