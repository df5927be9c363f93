// The app is a client-rendered SPA served by the API server.
export const ssr = false;
export const prerender = false;
