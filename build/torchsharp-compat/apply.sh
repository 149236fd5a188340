#!/usr/bin/env bash
# Makes TorchSharp 0.107's libLibTorchSharp.so load on a host whose libstdc++ predates GCC 13
# (no GLIBCXX_3.4.32, e.g. Debian 12). Called by Directory.Build.targets after every build and publish
# with the output folder; patches only the copies there, never the NuGet cache. Does nothing when the
# host libstdc++ has GLIBCXX_3.4.32 or when the folder holds no libLibTorchSharp.so.
#   apply.sh OUTPUT_DIR [WORK_DIR]
# The fix: mark the GLIBCXX_3.4.32 version-needed entry weak, ship a shim defining the one symbol
# bound to it (std::ios_base_library_init), and add the shim as DT_NEEDED with RUNPATH $ORIGIN.
set -euo pipefail
out=${1:?usage: apply.sh OUTPUT_DIR [WORK_DIR]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${2:-$here/../../artifacts/torchsharp-compat}
version=GLIBCXX_3.4.32
shim=libmtlds_glibcxx_shim.so

mapfile -t libs < <(find "$out" -name libLibTorchSharp.so -type f 2>/dev/null)
[ ${#libs[@]} -gt 0 ] || exit 0

# MTLDS_HOST_LIBSTDCXX overrides the detected library (the build tests use it to play a newer host).
host_libstdcxx=${MTLDS_HOST_LIBSTDCXX:-$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p) | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')}
if [ -n "$host_libstdcxx" ] && grep -qa "$version" "$host_libstdcxx"; then
  exit 0  # a new enough libstdc++: nothing to do
fi

for tool in g++ cc patchelf; do
  command -v "$tool" >/dev/null || { echo "torchsharp-compat: error: '$tool' is missing; install it with: apt-get install -y g++ patchelf" >&2; exit 1; }
done

mkdir -p "$work"
# Build the two helpers once per work folder (rebuilt when their sources change).
if [ ! -x "$work/mark_version_weak" ] || [ "$here/mark_version_weak.c" -nt "$work/mark_version_weak" ]; then
  cc -O2 -o "$work/mark_version_weak.$$.tmp" "$here/mark_version_weak.c" && mv "$work/mark_version_weak.$$.tmp" "$work/mark_version_weak"
fi
if [ ! -f "$work/$shim" ] || [ "$here/glibcxx_shim.cpp" -nt "$work/$shim" ]; then
  g++ -O2 -shared -fPIC -Wl,-soname,$shim -o "$work/$shim.$$.tmp" "$here/glibcxx_shim.cpp" && mv "$work/$shim.$$.tmp" "$work/$shim"
fi

for lib in "${libs[@]}"; do
  dir=$(dirname "$lib")
  cp "$work/$shim" "$dir/$shim.$$.tmp" && mv "$dir/$shim.$$.tmp" "$dir/$shim"
  if patchelf --print-needed "$lib" | grep -qx "$shim"; then
    continue  # already patched in an earlier build
  fi
  # Work on a fresh copy and rename it over the original: the output file may be a hard link into the
  # NuGet cache, which must stay untouched.
  tmp="$lib.compat.$$.tmp"
  cp "$lib" "$tmp"
  "$work/mark_version_weak" "$tmp" "$version" || { rc=$?; rm -f "$tmp"; [ $rc -eq 3 ] && continue; exit $rc; }
  patchelf --add-needed "$shim" "$tmp"
  patchelf --set-rpath '$ORIGIN' "$tmp"
  mv "$tmp" "$lib"
  echo "torchsharp-compat: patched $lib for a libstdc++ without $version"
done
