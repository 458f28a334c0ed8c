// Vite builds the field app into ui/dist, which the Tauri shell embeds; vitest runs the
// UI's unit tests (src/**/*.test.ts) in Node with Tauri's IPC mocked, and those of the code
// both UIs share (shared/**/*.test.ts; the console's config does not run them again).
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
    include: ['src/**/*.test.ts', 'shared/**/*.test.ts'],
    environment: 'node',
  },
});
