#!/usr/bin/env bash
# make dist: vrrpkit's release artifacts in dist/, reproducible from the same
# commit (times from the commit, no build IDs or paths):
#   vrrpkit_VERSION_linux_{amd64,arm64}.tar.gz  static, stripped binaries, man pages, completions
#   vrrpkit_VERSION-1_{amd64,arm64}.deb, vrrpkit-VERSION-1.{x86_64,aarch64}.rpm  (nfpm)
#   vrrpkit_VERSION_oci.tar  OCI image layout of vrrpdump alone (amd64 and arm64), see packaging/
#   SHA256SUMS
# Needs only Go (nfpm and go-containerregistry come from the Go module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
VERSION=${VERSION:-0.1.0}
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then COMMIT="$COMMIT+dirty"; fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
OUT=$(realpath -m "${OUT:-dist}")
rm -rf "$OUT"
mkdir -p "$OUT"
ldflags="-s -w -buildid= -X github.com/vrrpkit/vrrpkit/internal/cli.version=$VERSION -X github.com/vrrpkit/vrrpkit/internal/cli.commit=$COMMIT"
for arch in amd64 arm64; do
	stage="$OUT/stage-$arch"
	mkdir -p "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/default" "$stage/usr/share/vrrpkit/prometheus"
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch $GO build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$stage/usr/bin/" ./cmd/...
	$GO run ./internal/cli/gendocs -o "$stage" -version "$VERSION"
	sed 's|/usr/local/bin/vrrpdump|/usr/bin/vrrpdump|' contrib/prometheus/systemd/vrrpdump.service >"$stage/lib/systemd/system/vrrpdump.service"
	cp contrib/prometheus/systemd/vrrpdump.default "$stage/etc/default/vrrpdump"
	cp -r contrib/prometheus/rules contrib/prometheus/grafana contrib/prometheus/README.md "$stage/usr/share/vrrpkit/prometheus/"
	cp packaging/postinst.sh "$stage/postinst.sh"
	find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$stage" -c usr etc lib |
		gzip -n -9 >"$OUT/vrrpkit_${VERSION}_linux_${arch}.tar.gz"
	sed -e "s|\${STAGE}|$stage|g" -e "s|\${VERSION}|$VERSION|g" -e "s|\${ARCH}|$arch|g" packaging/nfpm.yaml >"$OUT/nfpm-$arch.yaml"
	for p in deb rpm; do
		$GO run $NFPM pkg --config "$OUT/nfpm-$arch.yaml" --packager $p --target "$OUT/" >/dev/null
	done
	rm "$OUT/nfpm-$arch.yaml"
done
(cd packaging && $GO run ./ociimage -version "$VERSION" -o "$OUT/vrrpkit_${VERSION}_oci.tar" \
	"linux/amd64=$OUT/stage-amd64/usr/bin/vrrpdump" "linux/arm64=$OUT/stage-arm64/usr/bin/vrrpdump")
cp packaging/daemonset.yaml "$OUT/vrrpdump-daemonset.yaml"
rm -rf "$OUT"/stage-*
(cd "$OUT" && sha256sum -- *.tar.gz *.deb *.rpm *.tar *.yaml >SHA256SUMS)
cat "$OUT/SHA256SUMS"
