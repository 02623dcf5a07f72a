#!/usr/bin/env bash
# System packages the tests need (Debian names): Chromium for the browser
# tests, Node.js for the widget card test, Noto CJK so screenshots show
# Japanese. Installs what is missing when it runs as root with apt-get;
# otherwise names the one command to run and fails, so `make test` never
# passes with tests left out.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# nginx (Debian's package) is the load balancer of `make cluster` and the cluster fault tests.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# redis-server: the fault tests start their own on a random port (never the machine's).
command -v redis-server >/dev/null || need+=(redis-server)
command -v node >/dev/null || need+=(nodejs)
# grep without -q reads all of fc-list: with pipefail an early exit would SIGPIPE fc-list.
fc-list 2>/dev/null | grep -i "noto.*cjk" >/dev/null || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
echo "missing system packages for the tests; run as root: apt-get install -y ${need[*]}" >&2
exit 1
