// Vite builds the dispatchers' console into ui/console/dist, which hearth-server embeds and
// serves at `/` (sync-server/build.rs); vitest runs the console's unit tests in Node.
// The field app has its own config (ui/vite.config.ts) and output (ui/dist).
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [svelte()],
  // Served from the server's root, next to the API.
  base: '/',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  // `npm run dev:console` proxies the API to a local hearth-server.
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
