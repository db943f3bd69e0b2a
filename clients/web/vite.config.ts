// Builds the app into dist/, which musterd serves at / (server.web_root). Hashed file names
// under assets/ are cached for a year by musterd; index.html, sw.js and the manifest are not.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    emptyOutDir: true,
  },
  server: {
    // `npm run dev` against a local musterd (make run).
    proxy: { '/api': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true } },
  },
});
