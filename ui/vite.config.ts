// Vite builds the field app into ui/dist, which the Tauri shell embeds; vitest runs the
// UI's unit tests (src/**/*.test.ts) in Node with Tauri's IPC mocked.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [svelte()],
  // Relative asset paths: the webview loads the app from Tauri's own protocol.
  base: './',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
