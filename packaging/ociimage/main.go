// Command ociimage writes vrrpkit's OCI image without Docker: an empty base
// and one layer holding the static vrrpdump, one image per platform in an
// image index, saved as an OCI image layout in a tar file, reproducibly
// (times from SOURCE_DATE_EPOCH).
//
//	go run ./ociimage -version V -o FILE.tar linux/amd64=PATH [linux/arm64=PATH ...]
//
// Load it with `skopeo copy oci-archive:FILE.tar docker://REGISTRY/vrrpdump:V`
// or `crane push` after extracting, or `podman load -i FILE.tar`.
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	out := flag.String("o", "", "OCI layout tar file to write (required)")
	version := flag.String("version", "dev", "image version label")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: ociimage -o FILE.tar [-version V] OS/ARCH=BINARY ...")
		os.Exit(2)
	}
	created := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
			created = time.Unix(sec, 0).UTC()
		}
	}
	if err := build(*out, *version, created, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "ociimage: %v\n", err)
		os.Exit(1)
	}
}

func build(out, version string, created time.Time, targets []string) error {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, t := range targets {
		plat, bin, ok := strings.Cut(t, "=")
		osName, arch, ok2 := strings.Cut(plat, "/")
		if !ok || !ok2 {
			return fmt.Errorf("%q: want OS/ARCH=BINARY", t)
		}
		img, err := image(bin, osName, arch, version, created)
		if err != nil {
			return err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: osName, Architecture: arch}}})
	}
	dir, err := os.MkdirTemp("", "ociimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if _, err := layout.Write(dir, idx); err != nil {
		return err
	}
	return tarDir(dir, out, created)
}

// image is the static binary at /usr/bin/vrrpdump on an empty base.
func image(bin, osName, arch, version string, created time.Time) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"usr/", "usr/bin/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: created}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "usr/bin/vrrpdump", Mode: 0o755, Size: int64(len(data)), ModTime: created}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = osName, arch, v1.Time{Time: created}
	cf.Config.Entrypoint = []string{"/usr/bin/vrrpdump"}
	cf.Config.Cmd = []string{"--help"}
	cf.Config.ExposedPorts = map[string]struct{}{"9724/tcp": {}}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":       "vrrpdump",
		"org.opencontainers.image.description": "VRRP watcher and Prometheus exporter (vrrpkit)",
		"org.opencontainers.image.version":     version,
		"org.opencontainers.image.source":      "https://github.com/vrrpkit/vrrpkit",
	}
	cf.History = nil
	return mutate.ConfigFile(img, cf)
}

// tarDir packs the OCI layout dir into file, sorted, with fixed times.
func tarDir(dir, file string, mtime time.Time) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		h := &tar.Header{Name: name, ModTime: mtime, Mode: 0o644, Typeflag: tar.TypeReg, Size: st.Size()}
		if st.IsDir() {
			h = &tar.Header{Name: name + "/", ModTime: mtime, Mode: 0o755, Typeflag: tar.TypeDir}
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !st.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if _, err := tw.Write(data); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}
