import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defaultClientConditions, defaultServerConditions, defineConfig } from 'vite';

const server = process.env.ATELIER_SERVER_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [
    sveltekit({
      // A single-page app: every route falls back to index.html, which the API server serves.
      // `precompress`: each file also brotli- and gzip-compressed, which the server sends to browsers that accept them.
      adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true, precompress: true }),
    }),
  ],
  // `@atelier/source`: the workspaces' TypeScript, so the app builds without building the libraries first.
  resolve: { conditions: ['@atelier/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@atelier/source', ...defaultServerConditions] } },
  server: {
    proxy: {
      '/api': server,
      '/socket.io': { target: server, ws: true },
      '/collab': { target: server, ws: true },
    },
  },
});
