# Artemis registry node.
#   docker build -t artemis-registry:local .
#   (released as artemis-registry:<version of package.json>; README, "Container image")
#   docker run --rm -p 8080:8080 artemis-registry:local
#   docker run --rm artemis-registry:local server --help
# Arguments after the image name replace `server`; any `artemis` command works, e.g.
# `docker run --rm artemis-registry:local server --region SHA --zone sha-z1`.

# Both stages use the same Node.js 20 image, pinned by digest so a rebuild gets the same base.
# To move to a newer one: docker buildx imagetools inspect node:20-bookworm-slim, then replace
# the digest in both FROM lines.

# Build stage: compiles TypeScript and the native SQLite binding, then drops dev dependencies.
FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json .npmrc ./
# The client SDK is a workspace of the package (packages/client): npm ci needs its manifest.
COPY packages/client/package.json ./packages/client/
# Install scripts run for better-sqlite3 only (package.json "allowScripts").
RUN npm ci --ignore-scripts \
    && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
    && npm prune --omit=dev \
    && rm -f dist/.tsbuildinfo

# Runtime stage: the compiled server and its production dependencies, run as the image's
# unprivileged `node` user (uid 1000).
FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# dataDir defaults to ./data, i.e. /app/data: the SQLite management store and other node files.
# /app/keys: where docker-compose.yml's cluster-key service writes the cluster key.
RUN mkdir -p /app/data /app/keys && chown 1000:1000 /app/data /app/keys
VOLUME ["/app/data"]
USER 1000:1000
EXPOSE 8080
# Liveness only: /ready stays 503 until the node has joined its cluster. No curl in the slim
# image, so Node's own fetch does the request. It asks ARTEMIS_PORT (default 8080): choose
# another port with that variable rather than --port or a config file.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ARTEMIS_PORT || 8080) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts a graceful shutdown (leave announced, replication flushed) that ends within
# http.shutdownTimeoutMs; give `docker stop` a longer timeout than that (e.g. -t 15).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["server"]
