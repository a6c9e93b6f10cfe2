#!/usr/bin/env bash
# Installs the Debian 12 packages mlavk needs, only those that are missing.
#   tools/setup.sh            build, test and demo dependencies
#   tools/setup.sh --train    also PyTorch/NumPy for tools/train_tiny
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libvulkan-dev glslang-tools spirv-tools
  mesa-vulkan-drivers vulkan-validationlayers
  libcjson-dev libpcre2-dev libutf8proc-dev liblapacke-dev libmicrohttpd-dev
  libglfw3-dev libstb-dev fonts-dejavu-core fonts-droid-fallback xvfb xauth
)
# The server tests drive `mlavk serve` with the openai npm client: Debian's node and npm unless a node is there.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
if [ "${1:-}" = "--train" ]; then
  packages+=(python3-torch python3-numpy python3-regex libopenblas0-pthread)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
