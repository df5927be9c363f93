# syntax=docker/dockerfile:1
# Atelier: one image for every node (API, web app, collab, workers). Multi-stage: the build stage
# has the dev tools; the runtime stage has the built app and production dependencies only, runs
# as the unprivileged `node` user, and reports its health from GET /api/health.
#   docker build -t atelier .
#   docker run -e DATABASE_URL=postgres://… -p 3000:3000 atelier
# Several nodes: see docs/DEPLOY.md and the `cluster` profile of docker-compose.yml.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NX_DAEMON=false CI=true
# Dependencies first, so the layer is reused while only sources change.
COPY package.json package-lock.json ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY libs/contracts/package.json libs/contracts/
COPY libs/pricing/package.json libs/pricing/
COPY libs/ledger/package.json libs/ledger/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf apps/*/src libs/*/src libs/*/test libs/*/bench apps/server/test apps/server/bench apps/web/e2e .nx docs

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# The only writable place: local image files when no S3 bucket is configured (one node only).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Healthy when the node answers and its database is reachable (a 503 from /api/health is unhealthy).
HEALTHCHECK --interval=10s --timeout=3s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains: in-flight requests finish, collab documents are stored, jobs finish or hand back.
STOPSIGNAL SIGTERM
CMD ["node", "apps/server/dist/main.js"]
