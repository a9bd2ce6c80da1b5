# Shared helpers for setup.sh, start.sh, test.sh and bench/run.sh. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="12.4.2"
# The project runs on the Node major in .node-version. When the machine's `node` is another major,
# this exact build comes from the npm registry (`node-linux-<arch>`: the official binary plus the
# headers native addons compile against) into .runtime/; nothing outside the project changes.
NODE_MAJOR="$(cat "$ROOT/.node-version")"
NODE_RUNTIME_VERSION="24.22.3"
RUNTIME_DIR="$ROOT/.runtime"

say() { printf '\033[1m[airlock]\033[0m %s\n' "$*" >&2; }
loud() { printf '\n\033[1;33m[airlock] !!! %s\033[0m\n\n' "$*" >&2; }

# Puts a Node $NODE_MAJOR first on PATH for everything after (pnpm's scripts, node-gyp, vitest and
# the processes tests spawn with process.execPath): the machine's when it is that major, else the
# provisioned one. scripts/node makes the same choice for commands run outside these scripts.
ensure_node() {
  local current arch dir
  current="$(node -p process.versions.node 2>/dev/null || echo none)"
  if [ "${current%%.*}" = "$NODE_MAJOR" ]; then
    use_node_headers "$(dirname "$(dirname "$(command -v node)")")"
    return
  fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) arch=linux-x64 ;;
    Linux-aarch64) arch=linux-arm64 ;;
    *) say "Node $NODE_MAJOR is needed (this machine has $current) and can only be provisioned on Linux x64/arm64: install it"; exit 1 ;;
  esac
  dir="$RUNTIME_DIR/node-v$NODE_RUNTIME_VERSION-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    say "this machine's Node is $current: provisioning Node $NODE_RUNTIME_VERSION from the npm registry into ${dir#"$ROOT"/} (once; rm -rf .runtime removes it)"
    fetch_node "node-$arch@$NODE_RUNTIME_VERSION" "$dir"
  fi
  ln -sfn "$(basename "$dir")" "$RUNTIME_DIR/current"
  export PATH="$dir/bin:$PATH"
  # A native addon without a matching prebuild compiles against this Node's own headers: node-gyp
  # must never try to download them (it cannot here). pnpm ignores nodedir in .npmrc, so it goes in
  # the environment.
  export npm_config_nodedir="$dir"
}

# The headers of a Node installed under <prefix> (Debian: /usr, the node images: /usr/local), unless
# the caller chose a nodedir.
use_node_headers() {
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$1/include/node/common.gypi" ]; then
    export npm_config_nodedir="$1"
  fi
}

# npm pack checks the registry's integrity hash; unpacked beside the target and moved into place in
# one step, so an interrupted or concurrent run never leaves a half-written runtime.
fetch_node() {
  local spec="$1" dir="$2" tmp
  mkdir -p "$RUNTIME_DIR"
  tmp="$(mktemp -d "$RUNTIME_DIR/.fetch.XXXXXX")"
  # The binary runs once here, so a wrong platform fails now rather than halfway through the install.
  if ! (cd "$tmp" && npm pack "$spec" --loglevel=error >/dev/null && tar -xzf ./*.tgz && ./package/bin/node -e ''); then
    rm -rf "$tmp"
    say "could not fetch and run $spec from the npm registry"
    exit 1
  fi
  mv -T "$tmp/package" "$dir" 2>/dev/null || [ -x "$dir/bin/node" ] # another run got there first
  rm -rf "$tmp"
}

# pnpm pinned exactly (corepack cannot verify signatures here; other pnpm versions refuse the project).
# pnpm 12 is a native binary: it runs scripts and node-gyp with whichever node is first on PATH.
ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION"
    npm install -g "pnpm@$PNPM_VERSION" --silent
  fi
}

install_and_build() {
  cd "$ROOT"
  say "installing dependencies"
  pnpm install --frozen-lockfile
  say "building"
  pnpm run build
}

# npm run setup, and the first half of npm start and npm test: runtime, pnpm, dependencies, build.
setup() {
  ensure_pnpm
  ensure_node
  say "Node $(node -v) at $(command -v node)"
  install_and_build
}
