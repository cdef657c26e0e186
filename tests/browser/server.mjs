// A Doorstep server for the browser tests: a fresh database in a fresh temporary directory, the
// users created first with `doorstep user add`, then `doorstep serve --web web/dist` on a free
// loopback port. The binary is $DOORSTEP_BIN or build-test/doorstep; the web app must be built
// (`npm run build`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.resolve(ROOT, process.env.DOORSTEP_BIN || 'build-test/doorstep');
export const WEB = path.join(ROOT, 'web', 'dist');

/** A password that satisfies the policy (10+ characters, 3 of 4 classes, not common). */
export const PASSWORD = 'Qingshan-2026-ok';

/** Run the doorstep binary; resolves {code, stdout, stderr}. */
export function run(args, { input, timeout = 30000 } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
		child.on('error', reject);
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
		child.stdin.on('error', () => {});
		child.stdin.end(input ?? '');
	});
}

/** Throws a clear error when the binary or the built web app is missing. */
export function checkPrerequisites() {
	if (!fs.existsSync(BIN)) throw new Error(`${path.relative(ROOT, BIN)} is missing: build the server first`);
	if (!fs.existsSync(path.join(WEB, 'index.html')))
		throw new Error('web/dist/index.html is missing: run `npm run build` first');
}

/**
 * Start a server. users: [{username, role, area = '420107', password = PASSWORD}] created first;
 * set: {name: value} settings passed as --set name=value. Resolves {url, db, dir, stop()}.
 */
export async function startServer({ users = [], set = {} } = {}) {
	checkPrerequisites();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorstep-browser-'));
	const db = path.join(dir, 't.db');
	for (const u of users) {
		const args = ['user', 'add', '--db', db, '--username', u.username, '--role', u.role];
		args.push('--area', u.area ?? '420107', '--password-stdin');
		const r = await run(args, { input: (u.password ?? PASSWORD) + '\n' });
		if (r.code !== 0) throw new Error(`user add ${u.username} (${u.role}) failed with ${r.code}: ${r.stderr}`);
	}
	const argv = ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', WEB];
	for (const [k, v] of Object.entries(set)) argv.push('--set', `${k}=${v}`);
	const proc = spawn(BIN, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
	// Never outlive the test process, even when it ends without stop().
	const killOnExit = () => {
		proc.kill('SIGKILL');
		fs.rmSync(dir, { recursive: true, force: true });
	};
	process.on('exit', killOnExit);
	let stderr = '';
	proc.stderr.on('data', (d) => (stderr += d));
	const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
	const url = await new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`doorstep serve did not start:\n${stderr}`)), 15000);
		const onData = (d) => {
			out += d;
			const nl = out.indexOf('\n');
			if (nl < 0) return;
			clearTimeout(timer);
			proc.stdout.off('data', onData);
			proc.stdout.resume();
			const m = /^listening on (http:\/\/[^\s]+?)\/?$/.exec(out.slice(0, nl).trim());
			if (m) resolve(m[1]);
			else reject(new Error(`unexpected first line ${JSON.stringify(out.slice(0, nl))}\n${stderr}`));
		};
		proc.stdout.on('data', onData);
		exited.then((code) => {
			clearTimeout(timer);
			reject(new Error(`doorstep serve exited (${code}) before listening:\n${stderr}`));
		});
	});
	let stopped = false;
	return {
		url,
		db,
		dir,
		stderr: () => stderr,
		async stop() {
			if (stopped) return;
			stopped = true;
			proc.kill('SIGTERM');
			const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
			const code = await exited;
			clearTimeout(timer);
			process.off('exit', killOnExit);
			fs.rmSync(dir, { recursive: true, force: true });
			if (code !== 0) throw new Error(`doorstep serve exited with ${code} after SIGTERM:\n${stderr}`);
		},
	};
}
