#!/bin/sh
# The image's single entry point: which Airlock process to run (see docker/Dockerfile).
# exec: node becomes the container's main process and receives SIGTERM itself (graceful
# shutdown: the API lets in-flight PATCHes end, workers finish or hand back their jobs).
set -e
command="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$command" in
  api) exec node apps/api/dist/main.js "$@" ;;
  worker | validator | scanner | promoter | janitor | notifier) exec node "apps/$command/dist/main.js" "$@" ;;
  token) exec node apps/api/dist/cli/mint-token.js "$@" ;;
  *) exec "$command" "$@" ;;
esac
