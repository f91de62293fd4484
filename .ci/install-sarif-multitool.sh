#!/usr/bin/env bash
# Installs Microsoft's SARIF Multitool from npm, for the test that validates our SARIF against
# the SARIF spec and GitHub's ingestion rules (tests/tests/sarif_multitool.rs).
# Idempotent; prints the binary's path. The test finds it at the same default place, or through
# SARIF_MULTITOOL (the binary) when installed elsewhere.
set -euo pipefail

version="5.7.0"
home="${SARIF_MULTITOOL_HOME:-/opt/sarif-multitool}"
package="@microsoft/sarif-multitool-linux"
binary="$home/node_modules/$package/Sarif.Multitool"

if [[ -x "$binary" ]] && "$binary" --version 2>/dev/null | grep -q "$version"; then
    echo "$binary"
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "install-sarif-multitool: npm not found; the SARIF validation test will be skipped" >&2
    exit 0
fi
mkdir -p "$home"
# The package's only install script is a chmod, done here instead.
npm install --prefix "$home" --no-audit --no-fund --ignore-scripts --silent "$package@$version" >&2
chmod u+x "$binary"
"$binary" --version >&2
echo "$binary"
