// Package refcap opens the reference captures of real keepalived and FRR in
// testdata/pcaps (see its README.md) for tests: the capture files and
// tshark's reading of every VRRP frame in them (NAME.truth.tsv).
package refcap

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Paths returns every testdata/pcaps/*.pcap under root (the repository's
// top directory, relative to the test: ".." or "../.."), sorted; it fails
// the test when there are none.
func Paths(t testing.TB, root string) []string {
	t.Helper()
	dir := filepath.Join(root, "testdata", "pcaps")
	files, err := filepath.Glob(filepath.Join(dir, "*.pcap"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in %s: %v", dir, err)
	}
	return files
}

// Name is a capture's base name without .pcap: "v2-basic".
func Name(path string) string { return strings.TrimSuffix(filepath.Base(path), ".pcap") }

// Truth reads the NAME.truth.tsv beside the capture at path: one map per
// VRRP frame, keyed by column name, indexed by frame number (1-based).
func Truth(t testing.TB, path string) map[int]map[string]string {
	t.Helper()
	tsv := strings.TrimSuffix(path, ".pcap") + ".truth.tsv"
	f, err := os.Open(tsv)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cols []string
	rows := map[int]map[string]string{}
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = fields
			continue
		}
		row := map[string]string{}
		for i, c := range cols {
			if i < len(fields) {
				row[c] = fields[i]
			}
		}
		n, err := strconv.Atoi(row["frame"])
		if err != nil {
			t.Fatalf("%s: bad frame number %q", tsv, row["frame"])
		}
		rows[n] = row
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", tsv, err)
	}
	return rows
}
