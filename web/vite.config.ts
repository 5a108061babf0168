/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { compression } from 'vite-plugin-compression2';

const api = process.env.VITE_API_URL ?? 'http://127.0.0.1:8080';

/**
 * The browser sees one origin (the dev server); the API checks the Origin of
 * unsafe requests against its own, so the proxy presents the request as
 * coming from the API's origin, as a same-origin deployment would.
 */
const proxy = {
  target: api,
  configure: (server: {
    on: (
      event: 'proxyReq',
      cb: (req: { setHeader: (k: string, v: string) => void; getHeader: (k: string) => unknown }) => void,
    ) => void;
  }) => {
    server.on('proxyReq', (req) => {
      if (req.getHeader('origin')) req.setHeader('origin', api);
    });
  },
};

export default defineConfig({
  plugins: [
    react(),
    // Precompressed siblings (.gz, .br) that the server sends as they are.
    compression({ algorithms: ['gzip', 'brotliCompress'], exclude: [/\.map$/] }),
  ],
  server: {
    proxy: {
      '/api': proxy,
      '/healthz': proxy,
      '/readyz': proxy,
    },
  },
  preview: {
    proxy: { '/api': proxy, '/healthz': proxy, '/readyz': proxy },
  },
  build: {
    sourcemap: true,
    chunkSizeWarningLimit: 700,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
