# syntax=docker/dockerfile:1
# Build stage: the full toolchain, then only production dependencies are kept.
FROM node:24.21-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

# Runtime stage: built code, production dependencies, configuration; a non-root user.
FROM node:24.21-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# The command line over the same build: docker exec … node bin/cli.js --help
COPY bin ./bin
# Without DATABASE_URL the embedded PostgreSQL keeps its data here; mount a volume to keep it.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
# A heap ceiling well above a replica's live heap (about 80 MiB pushing the nation-sized
# quarter), so that V8 collects instead of growing toward a quarter of the host's memory; and a
# young generation of its own size: on Node 24 the heap ceiling alone left no room to scavenge
# and a replica ran full collections several times a second (docs/transfers.md).
ENV NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=8"
# Two malloc arenas instead of glibc's up to eight per core (one per thread that allocates: the
# main thread, libuv's pool signing packets, V8's helpers): a replica pushing the nation-sized
# quarter peaked at 235 and 237 MiB resident instead of 249 to 254, as fast (docs/transfers.md).
ENV MALLOC_ARENA_MAX=2
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same entry point `npm start` runs after building.
CMD ["node", "dist/src/main.js"]
