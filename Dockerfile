# syntax=docker/dockerfile:1
# The p2pchat daemon as a container: `docker build -t p2pchat .`, then see docs/operations.md.
# test/integration/ship.test.ts replays this file without Docker (a clean copy of the repository,
# the same COPY and RUN steps, then the entry point and health check), so keep to the instructions
# it knows, and keep the build stage's RUN steps free of absolute paths.

# Node 26 is the Active LTS line (since October 2026); better-sqlite3 12.11 supports it.
ARG NODE_IMAGE=node:26-slim

# Build stage: dev dependencies, the native SQLite addon compiled here, TypeScript compiled to dist/.
FROM ${NODE_IMAGE} AS build
# Toolchain for better-sqlite3 in case no prebuilt binary matches (node-gyp).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY config ./config
COPY src ./src
COPY web ./web
COPY scripts/bundle.mjs scripts/bundle-web.mjs ./scripts/
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

# Runtime stage: production dependencies and compiled JavaScript only, run by the unprivileged "node" user.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production P2PCHAT_HOME=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/config ./config
# `docker exec <container> p2pchat status`: P2PCHAT_HOME leads the CLI to the socket in /data.
RUN ln -s /app/bin/p2pchat.js /usr/local/bin/p2pchat && mkdir -m 0700 /data && chown node:node /data
USER node
# Identity key, database, control socket and an optional config.json.
VOLUME /data
# libp2p over TCP; mDNS discovery (multicast UDP).
EXPOSE 4747/tcp 5353/udp
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["node", "/app/bin/p2pchat.js", "status"]
# SIGTERM (docker stop) shuts down within 5 s; extra arguments go to `p2pchat daemon`, e.g. --name alice.
ENTRYPOINT ["node", "/app/bin/p2pchat.js", "daemon"]
