#!/usr/bin/env bash
# npm run setup: what npm start does before it starts any process (Node runtime, pnpm,
# dependencies, build), then exit 0. Anything that builds Airlock without running it uses this.
source "$(dirname "$0")/lib.sh"
setup
say "set up: Node $(node -v), pnpm $(pnpm --version), dependencies installed, every package built"
