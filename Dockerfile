# syntax=docker/dockerfile:1
# The hub's container image: built with the dev dependencies, run with the production ones only.
#   docker build -t learning-record-hub .
#   docker run -p 8080:8080 -v hub-data:/data learning-record-hub
# With no DATABASE_URL the embedded store (PGlite) keeps its files in the /data volume; the
# credential generated on first start is printed once to the container's log.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS run
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# src/paths.ts resolves these from dist/'s parent: migrations are read at run time from
# src/storage/migrations, the contract from openapi.yaml, the published schemas from schemas/.
COPY --from=build /app/dist ./dist
COPY src/storage/migrations ./src/storage/migrations
COPY schemas ./schemas
COPY openapi.yaml ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Slim images have no curl; Node 20's fetch asks the readiness route (the store answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 and handles SIGTERM itself (src/server.ts drains requests and closes the store).
CMD ["node", "dist/server.js"]
