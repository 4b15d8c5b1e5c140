// Builds the web application into web/dist with two entry points, so the public privacy
// centre never loads the admin console's code: index.html (public) and admin.html (staff).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  // Nothing is fetched at run time and nothing is inlined as a script: the CSP stays 'self'.
  build: {
    outDir: path.join(webRoot, 'dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        index: path.join(webRoot, 'index.html'),
        admin: path.join(webRoot, 'admin.html'),
      },
      output: {
        // Named chunks instead of one named after whichever module happened to come first:
        // React and the shared kit are what both apps load.
        manualChunks(id: string) {
          if (id.includes('/node_modules/')) return 'react';
          if (id.includes('/web/src/shared/')) return 'shared';
          return undefined;
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
