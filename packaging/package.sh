#!/usr/bin/env bash
# Builds the six packages (deb and rpm for amd64, arm64, armv7) into dist/
# with nfpm, the binaries (homefleet, and homefleet-agent: the agent's
# build, which the agent's service runs) stamped with version, commit and build date.
# Usage: packaging/package.sh [TARGET...]   (TARGET: amd64 arm64 arm7; default all)
# DIST=dir puts the packages there (default dist/); VERSION=x.y.z overrides
# the version taken from git.
set -euo pipefail
cd "$(dirname "$0")/.."

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
dist=${DIST:-dist}
if [ -n "${VERSION:-}" ]; then
  :
elif tag=$(git describe --tags --exact-match 2>/dev/null); then
  VERSION=${tag#v}
else # between releases: sorts after the last tag, by commit time
  last=$(git describe --tags --abbrev=0 2>/dev/null || echo v0.1.0)
  VERSION="${last#v}~git$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S 2>/dev/null || date -u +%Y%m%d%H%M%S).${commit}"
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
export VERSION
ldflags="-s -w -X main.version=$VERSION -X main.commit=$commit -X main.date=$built"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(amd64 arm64 arm7)
stage=dist/.stage # nfpm.yaml names it: nfpm does not expand variables in contents
mkdir -p "$dist" "$stage"
trap 'rm -rf "$stage"' EXIT
for t in "${targets[@]}"; do
  case $t in
    amd64) goarch=amd64 goarm= ;;
    arm64) goarch=arm64 goarm= ;;
    arm7) goarch=arm goarm=7 ;;
    *) echo "unknown target $t (amd64, arm64, arm7)" >&2; exit 2 ;;
  esac
  CGO_ENABLED=0 GOOS=linux GOARCH=$goarch GOARM=$goarm go build -trimpath -tags noplot -ldflags "$ldflags" -o "$stage/homefleet" ./cmd/homefleet
  # the agent's service runs the agent's build: no hub, store or etcd client linked
  CGO_ENABLED=0 GOOS=linux GOARCH=$goarch GOARM=$goarm go build -trimpath -tags noplot,agentonly -ldflags "$ldflags" -o "$stage/homefleet-agent" ./cmd/homefleet
  for format in deb rpm; do
    ARCH=$t go tool nfpm package --config packaging/nfpm.yaml --packager "$format" --target "$dist/" >/dev/null
  done
done
ls -l "$dist"/*.deb "$dist"/*.rpm | awk '{print $5, $NF}'
