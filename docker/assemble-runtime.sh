#!/bin/sh
# Assembles the image's runtime layout in $1 from a built checkout (the current directory):
# production dependencies only, no tests, no bench, no TypeScript sources. Run by docker/Dockerfile
# and, outside Docker, by test/docker/runtime-layout.test.ts (which starts the apps from it).
#
#   $1/apps/api      pnpm deploy --prod of @airlock/api: its dist/ ("files") and prod dependencies
#   $1/apps/worker   the same for @airlock/worker-app (every worker role)
#   $1/apps/<stage>  validator, scanner, promoter, janitor, notifier: their dist/ (a three-line
#                    main over @airlock/worker-runtime) on the worker's node_modules
#   $1/apps/web/dist the dashboard the API serves (it looks for it there)
#   $1/docker        entrypoint.sh and healthcheck.mjs
set -eu
out="$1"
[ -d apps/api/dist ] || { echo "assemble-runtime: build first (apps/api/dist is missing)" >&2; exit 1; }
rm -rf "$out"
# --offline: the store already holds every package (pnpm fetch / install ran before).
pnpm --offline --filter @airlock/api deploy --prod "$out/apps/api"
pnpm --offline --filter @airlock/worker-app deploy --prod "$out/apps/worker"
for stage in validator scanner promoter janitor notifier; do
  mkdir -p "$out/apps/$stage"
  cp -r "apps/$stage/dist" "apps/$stage/package.json" "$out/apps/$stage/"
  ln -s ../worker/node_modules "$out/apps/$stage/node_modules"
done
# pnpm deploy writes the lockfile it installed from next to each app; the runtime needs neither.
rm -f "$out"/apps/api/pnpm-lock.yaml "$out"/apps/api/pnpm-workspace.yaml "$out"/apps/worker/pnpm-lock.yaml "$out"/apps/worker/pnpm-workspace.yaml
mkdir -p "$out/apps/web" "$out/docker"
cp -r apps/web/dist "$out/apps/web/dist"
cp docker/entrypoint.sh docker/healthcheck.mjs docker/node-flags docker/node-env "$out/docker/"
chmod +x "$out/docker/entrypoint.sh"
