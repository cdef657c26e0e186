// A Doorstep server process for the crash and soak runs: started on a given
// database (optionally under a wrapper such as valgrind), killed or stopped,
// and sampled through /proc. Unlike tests/http/lib/server.mjs it expects to be
// killed and restarted on the same files many times.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.resolve(ROOT, process.env.DOORSTEP_BIN || 'build-test/doorstep');
export const PW = 'Qingshan-2026-ok';

/** A fresh temporary directory, removed at exit unless KEEP_TMP is set (to look at a failure). */
export function tempDir(prefix) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	process.on('exit', () => {
		if (!process.env.KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
	});
	return dir;
}

/** Run the binary to completion; resolves {code, signal, stdout, stderr}. */
export function run(args, { input = '', timeout = 120000, env } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
		child.stdin.on('error', () => {});
		child.stdin.end(input);
	});
}

/** `doorstep user add`, throwing unless it exits 0. */
export async function addUser(db, { username, role, area = '420107', password = PW }) {
	const args = ['user', 'add', '--db', db, '--username', username, '--role', role, '--area', area, '--password-stdin'];
	const r = await run(args, { input: password + '\n' });
	if (r.code !== 0) throw new Error(`user add ${username}: ${r.code} ${r.stderr}`);
}

/** Read-only SQL on the database file (the server must be stopped, or WAL readers are fine). */
export function sql(db, q) {
	return execFileSync('sqlite3', ['-readonly', db, q], { maxBuffer: 256 << 20 }).toString().trim();
}

/**
 * Start `doorstep serve` on db and wait for its "listening on" line.
 * wrap: a command put before the binary (e.g. ['valgrind', '--leak-check=full']).
 */
export async function startServer({ db, env, wrap = [], args = [], startTimeout = 60000 }) {
	const argv = [...wrap, BIN, 'serve', '--db', db, '--listen', '127.0.0.1:0', ...args];
	const proc = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	let stdout = '';
	proc.stderr.on('data', (d) => {
		// Keep the head and the tail: a leak report comes at the end.
		stderr += d;
		if (stderr.length > 4 << 20) stderr = stderr.slice(0, 1 << 20) + '\n…\n' + stderr.slice(-(2 << 20));
	});
	const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
	const url = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			proc.kill('SIGKILL');
			reject(new Error(`doorstep serve did not listen within ${startTimeout} ms:\n${stderr.slice(-3000)}`));
		}, startTimeout);
		const onData = (d) => {
			stdout += d;
			const nl = stdout.indexOf('\n');
			if (nl < 0) return;
			clearTimeout(timer);
			proc.stdout.off('data', onData);
			proc.stdout.resume();
			const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(stdout.slice(0, nl));
			if (m) resolve(m[1]);
			else reject(new Error(`unexpected first line ${JSON.stringify(stdout.slice(0, nl))}\n${stderr}`));
		};
		proc.stdout.on('data', onData);
		exited.then(({ code, signal }) => {
			clearTimeout(timer);
			reject(new Error(`doorstep serve exited (${code ?? signal}) before listening:\n${stderr.slice(-3000)}`));
		});
	});
	return new ServerProcess(proc, url, exited, () => stderr);
}

class ServerProcess {
	constructor(proc, url, exited, stderr) {
		Object.assign(this, { proc, url, exited, stderr });
		this.pid = proc.pid;
		this.done = false;
		exited.then(() => (this.done = true));
	}

	/** SIGKILL and wait for the process to be gone. */
	async kill() {
		if (!this.done) this.proc.kill('SIGKILL');
		return this.exited;
	}

	/** SIGTERM, SIGKILL after timeout ms; resolves {code, signal}. */
	async stop(timeout = 60000) {
		if (!this.done) this.proc.kill('SIGTERM');
		const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeout);
		const r = await this.exited;
		clearTimeout(timer);
		return r;
	}
}

/**
 * The server's resident set size in KiB and open descriptors, from /proc.
 * pid: the server itself (under valgrind, the valgrind process is the server).
 */
export function sample(pid) {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
	const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
	return { rss_kib: rss, fds };
}
