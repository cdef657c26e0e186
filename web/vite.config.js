// Vite configuration for the Doorstep web app. `npm run build` runs `vite build web`, so this
// directory is the root and the output goes to web/dist (index.html, hashed files under assets/,
// and .vite/manifest.json, which web/scripts/size-check.mjs reads).
import vue from '@vitejs/plugin-vue';
import AutoImport from 'unplugin-auto-import/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import Components from 'unplugin-vue-components/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	base: '/',
	plugins: [
		vue(),
		// Element Plus on demand: each <el-*> tag and each ElMessage/ElMessageBox call imports only
		// that component and its CSS. Never app.use(ElementPlus) (it adds about 550 kB gzip).
		AutoImport({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
		Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false, dirs: [] }),
	],
	define: {
		// vue-i18n: Composition API only. Its message compiler turns messages into an AST that is
		// interpreted (no eval, no new Function), so it runs under script-src 'self'.
		__VUE_I18N_FULL_INSTALL__: true,
		__VUE_I18N_LEGACY_API__: false,
		__INTLIFY_PROD_DEVTOOLS__: false,
		__INTLIFY_DROP_MESSAGE_COMPILER__: false,
		__VUE_OPTIONS_API__: true,
		__VUE_PROD_DEVTOOLS__: false,
		__VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
	},
	build: {
		outDir: 'dist',
		emptyOutDir: true,
		manifest: true,
		target: 'es2022',
		// The CSP forbids inline scripts and data: URLs are not in img-src 'self' either: never inline assets.
		assetsInlineLimit: 0,
		chunkSizeWarningLimit: 600,
	},
	server: {
		// `npm run dev`: proxy the API to a Doorstep server started by hand on port 8080.
		proxy: { '/api': 'http://127.0.0.1:8080' },
	},
});
