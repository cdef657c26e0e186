// Background jobs (exports, imports): the server answers 202 with a job {id, kind, state
// (queued | running | done | failed), progress, total, error, download, summary}; the page then
// polls GET /jobs/{id} until the job is done or failed. useJob() keeps that state for one page and
// stops polling when the page is left.
import { computed, onBeforeUnmount, ref } from 'vue';

import { api } from './api.js';
import { errorText } from './util.js';

export const POLL_MS = 500;

/** True when a job's download link is a path of this API on this origin (nothing else is offered). */
export function safeDownload(url) {
	return typeof url === 'string' && url.startsWith('/api/v1/') && !url.startsWith('//') ? url : null;
}

/**
 * One job at a time. start(promise) takes the 202 answer (a promise of the job) and polls it.
 * Returns {job, error, running, percent, downloadUrl, start, reset}; error is the text of a failed
 * request (the job's own failure is job.state === 'failed' with job.error).
 * options.onFinish(job) runs once when the job is done or failed.
 */
export function useJob({ interval = POLL_MS, onFinish } = {}) {
	const job = ref(null);
	const error = ref('');
	const starting = ref(false);
	let timer = null;
	let generation = 0;

	const running = computed(
		() => starting.value || (job.value !== null && (job.value.state === 'queued' || job.value.state === 'running')),
	);
	const percent = computed(() => {
		const j = job.value;
		if (!j) return 0;
		if (j.state === 'done') return 100;
		if (!j.total) return 0;
		return Math.min(100, Math.floor((j.progress / j.total) * 100));
	});
	const downloadUrl = computed(() => (job.value?.state === 'done' ? safeDownload(job.value.download) : null));

	function stop() {
		if (timer) clearTimeout(timer);
		timer = null;
	}

	function reset() {
		stop();
		generation++;
		job.value = null;
		error.value = '';
		starting.value = false;
	}

	function follow(mine) {
		if (mine !== generation || !job.value) return;
		if (job.value.state === 'done' || job.value.state === 'failed') {
			onFinish?.(job.value);
			return;
		}
		timer = setTimeout(async () => {
			timer = null;
			try {
				const j = await api.job(job.value.id);
				if (mine !== generation) return;
				job.value = j;
				follow(mine);
			} catch (e) {
				if (mine !== generation) return;
				if (e.status !== 401) error.value = errorText(e);
			}
		}, interval);
	}

	/** Start following the job that promise resolves to; rejects with the request's ApiError. */
	async function start(promise) {
		reset();
		const mine = generation;
		starting.value = true;
		try {
			const j = await promise;
			if (mine !== generation) return null;
			job.value = j;
			follow(mine);
			return j;
		} catch (e) {
			if (mine === generation) job.value = null;
			throw e;
		} finally {
			if (mine === generation) starting.value = false;
		}
	}

	onBeforeUnmount(() => {
		stop();
		generation++;
	});

	return { job, error, running, percent, downloadUrl, start, reset };
}
