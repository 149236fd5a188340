#!/usr/bin/env bash
# Installs the `mtlds` command: publishes the CLI (framework-dependent, Release, the TorchSharp compat fix
# applied to the published copy by Directory.Build.targets) into a folder of its own and puts a one-line
# launcher on PATH. Rerun it to upgrade; the old folder is replaced only once the new one is complete.
#   scripts/install.sh [--prefix DIR]      default DIR: ~/.local (the command: DIR/bin/mtlds,
#                                          the program: DIR/lib/mtlds)
# Needs the .NET 10 SDK (and, on hosts whose libstdc++ predates GCC 13, g++ and patchelf:
# scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$HOME/.local
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    *) echo "install: error: unknown option '$1' (usage: scripts/install.sh [--prefix DIR])" >&2; exit 2 ;;
  esac
done
mkdir -p "$prefix/bin" "$prefix/lib"
prefix=$(cd "$prefix" && pwd)
lib=$prefix/lib/mtlds
staging=$prefix/lib/.mtlds-install-$$
trap 'rm -rf "$staging"' EXIT

dotnet publish pipelines/Mtlds.Cli/Mtlds.Cli.csproj -c Release -o "$staging" -nologo -v quiet -clp:ErrorsOnly
[ -x "$staging/mtlds" ] || { echo "install: error: the publish made no $staging/mtlds" >&2; exit 1; }
rm -rf "$lib.old"
[ -d "$lib" ] && mv "$lib" "$lib.old"
mv "$staging" "$lib"
rm -rf "$lib.old"

# A launcher rather than a symbolic link: the apphost finds its dll and native libraries beside its real path.
cat > "$prefix/bin/mtlds.tmp" <<EOF
#!/bin/sh
exec "$lib/mtlds" "\$@"
EOF
chmod +x "$prefix/bin/mtlds.tmp"
mv "$prefix/bin/mtlds.tmp" "$prefix/bin/mtlds"

echo "installed: $prefix/bin/mtlds ($("$prefix/bin/mtlds" --version))"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "add it to PATH: export PATH=\"$prefix/bin:\$PATH\"   (e.g. in ~/.profile)" ;;
esac
