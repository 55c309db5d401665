import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @ucloud/web`: hot reload, with the API of the orchestrator `npm start` runs.
const orchestrator = process.env.ORCHESTRATOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/trpc': orchestrator,
      '/api': { target: orchestrator, ws: true },
    },
  },
  build: { chunkSizeWarningLimit: 1000 },
});
