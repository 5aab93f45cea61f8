#!/usr/bin/env bash
# Installs the Debian packages weir's local platform and tests need, once. Safe to re-run.
set -euo pipefail
packages=(containerd runc containernetworking-plugins debootstrap iptables conntrack socat ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all Debian packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
start=$SECONDS
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed in $((SECONDS - start))s"
for tool in go java mvn python3; do
  command -v "$tool" >/dev/null || { echo "deps: $tool is required but not on PATH" >&2; exit 1; }
done
