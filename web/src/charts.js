// ECharts for the pages that draw charts (dashboards come with later modules).
//
// Import ECharts only through this file: it takes `echarts/core` and registers just the parts the
// app uses, so the bundle carries those and nothing else (the whole of ECharts is about 350 kB gzip).
// Import it from a lazily loaded page, never from main.js, so the login page does not load it.
//
//   import { useChart } from '../charts.js';
//   const el = ref();                          // <div ref="el" style="height: 240px" />
//   const chart = useChart(el);                // created on mount, resized with the window, disposed on unmount
//   chart.setOption({ xAxis: {...}, yAxis: {...}, series: [{ type: 'bar', data: [...] }] });
//
// To use another chart type or component, add it to the use([...]) list below.
// Only the canvas renderer is registered: it needs no inline SVG or data: URLs, which the
// Content-Security-Policy (default-src 'self') would refuse.
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import {
	DatasetComponent,
	GridComponent,
	LegendComponent,
	TitleComponent,
	TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, shallowRef, watch } from 'vue';

echarts.use([
	BarChart,
	LineChart,
	PieChart,
	DatasetComponent,
	GridComponent,
	LegendComponent,
	TitleComponent,
	TooltipComponent,
	CanvasRenderer,
]);

export { echarts };

/**
 * A chart bound to an element ref for the life of the calling component. Returns an object with
 * setOption(option, opts), which can be called before the element is mounted (the last option
 * is applied on mount), and instance (a shallowRef to the ECharts instance).
 */
export function useChart(elRef, { theme, renderer = 'canvas' } = {}) {
	const instance = shallowRef(null);
	let pending = null;
	let observer = null;

	const resize = () => instance.value?.resize();

	function init(el) {
		if (!el || instance.value) return;
		instance.value = echarts.init(el, theme, { renderer });
		if (pending) instance.value.setOption(...pending);
		if (typeof ResizeObserver === 'function') {
			observer = new ResizeObserver(resize);
			observer.observe(el);
		} else {
			window.addEventListener('resize', resize);
		}
	}

	onMounted(() => init(elRef.value));
	watch(elRef, (el) => init(el));
	onBeforeUnmount(() => {
		observer?.disconnect();
		window.removeEventListener('resize', resize);
		instance.value?.dispose();
		instance.value = null;
	});

	return {
		instance,
		setOption(option, opts) {
			pending = [option, opts];
			instance.value?.setOption(option, opts);
		},
	};
}
