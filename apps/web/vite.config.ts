import { defineConfig } from 'vite';

// Static files only: the API serves dist/ at `/` (apps/api/src/routes/web.routes.ts) under a
// strict CSP, so the build must emit no inline script or style.
export default defineConfig({
  // Relative asset URLs: the page keeps working behind a reverse proxy that mounts it under a prefix.
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Uppy is most of the bundle; a single chunk keeps the page to three requests.
    chunkSizeWarningLimit: 600,
    modulePreload: { polyfill: false },
  },
});
