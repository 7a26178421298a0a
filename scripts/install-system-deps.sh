#!/usr/bin/env bash
# System packages some features and tests use, installed from the system package manager when
# this runs as root or with passwordless sudo (Debian/Ubuntu: apt-get). Called by `make install`
# (hence `make test` and `make run`) and by `.ci/run`.
#
#   bubblewrap    the strongest isolation of the code sandbox (without it: bare namespaces as root)
#   chromium      renders the HTML reports in the browser report test (skipped without it)
#   redis-server  the Redis result-cache tests (skipped without it)
#
# Idempotent (nothing happens when everything is present), quiet, and never fatal: where it cannot
# install, it says what is missing and the line that would install it, and exits 0; the tests
# that need a missing tool skip with that reason. REWARDLAB_SYSTEM_DEPS=0 turns it off.
set -u

if [ "${REWARDLAB_SYSTEM_DEPS:-1}" = "0" ]; then
  exit 0
fi

# command -> Debian package
missing_pkgs=()
missing_cmds=()
check() {
  local cmd="$1" pkg="$2"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing_pkgs+=("$pkg")
    missing_cmds+=("$cmd")
  fi
}
check bwrap bubblewrap
check chromium chromium
check redis-server redis-server

if [ "${#missing_pkgs[@]}" -eq 0 ]; then
  exit 0
fi

line="apt-get install -y ${missing_pkgs[*]}"
say() { echo "system deps: $*" >&2; }

if ! command -v apt-get >/dev/null 2>&1; then
  say "missing ${missing_cmds[*]}; no apt-get here: install ${missing_pkgs[*]} with the system package manager" \
      "(the tests that need them skip)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  run=(sudo -n)
else
  say "missing ${missing_cmds[*]}; not root and no passwordless sudo: run \`sudo $line\`" \
      "(the tests that need them skip until then)"
  exit 0
fi

apt=("${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=120)
log="$(mktemp "${TMPDIR:-/tmp}/rewardlab-system-deps.XXXXXX")"
say "installing ${missing_pkgs[*]} (apt-get; log: $log)"
if "${apt[@]}" install -y --no-install-recommends "${missing_pkgs[@]}" >"$log" 2>&1 \
  || { "${apt[@]}" update >>"$log" 2>&1 && "${apt[@]}" install -y --no-install-recommends "${missing_pkgs[@]}" >>"$log" 2>&1; }; then
  say "installed ${missing_pkgs[*]}"
  rm -f "$log"
else
  say "could not install ${missing_pkgs[*]} (see $log); run \`$line\` yourself (the tests that need them skip)"
fi
exit 0
