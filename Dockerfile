# syntax=docker/dockerfile:1
# The ExoStack hub as a container image (README, "Containers and Kubernetes"). Three stages: one builds
# the app with every dependency, one installs the production dependencies alone, and the image that runs
# holds only those, the build and the server entry, run by the unprivileged `node` user.
#   docker build -t exostack-hub:0.1.0 .
ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script would download GPU libraries the hub never loads.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
# patch-package applies these on install (postinstall).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS production-dependencies
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
# What `node server.js` imports at run time is in `dependencies`; the build bundles the rest.
# (tests/deploy/production-dependencies.test.ts starts the hub on this set alone.)
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    EXOSTACK_DATA_DIR=/data
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY package.json server.js ./
# The data folder (model files, the generated API token; PGlite's files without DATABASE_URL) belongs to
# the user the hub runs as; everything else stays root's, so the hub cannot rewrite its own code.
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8000
# Liveness only: the process answers. Readiness (/api/health/ready) is for load balancers and Kubernetes.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM is the hub's clean stop: leases handed back, exit within EXOSTACK_SHUTDOWN_SECONDS.
STOPSIGNAL SIGTERM
# The same command the end-to-end tests start (tests/harness/hub-process.ts HUB_COMMAND): never `npm start`,
# which would look for sources to build, and would stand between the hub and the signals.
CMD ["node", "server.js"]
