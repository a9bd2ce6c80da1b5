#!/bin/sh
# The image's single entry point: which Airlock process to run (see docker/Dockerfile).
# exec: node becomes the container's main process and receives SIGTERM itself (graceful
# shutdown: the API lets in-flight PATCHes end, workers finish or hand back their jobs).
set -e
# V8 heap sizes of the API and the workers (docker/node-flags, the one list every launcher reads;
# docs/OPERATIONS.md, "Memory"). Command-line flags win over NODE_OPTIONS: to change them,
# mount another /app/docker/node-flags.
flags="$(cat "$(dirname "$0")/node-flags")"
# The processes' environment (docker/node-env): each NAME=value unless NAME is set already.
while IFS='=' read -r name value; do
  case "$name" in '' | '#'*) continue ;; esac
  [ -n "$(printenv "$name")" ] || export "$name=$value"
done < "$(dirname "$0")/node-env"
command="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$command" in
  api) exec node $flags apps/api/dist/main.js "$@" ;;
  worker | validator | scanner | promoter | janitor | notifier) exec node $flags "apps/$command/dist/main.js" "$@" ;;
  token) exec node apps/api/dist/cli/mint-token.js "$@" ;;
  *) exec "$command" "$@" ;;
esac
