// Command gendocs writes vrrpkit's man pages and shell completions from
// internal/cli's definitions (the ones -h prints): `make dist` runs it.
//
//	go run ./internal/cli/gendocs -o DIR [-version V] [-date YYYY-MM-DD]
//
// DIR then holds usr/share/man/man8/PROG.8.gz and the completions where
// Debian and Fedora look for them (cli.CompletionFile).
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/cli"
)

func main() {
	out := flag.String("o", "", "directory to write into (required)")
	version := flag.String("version", "dev", "version in the man pages' footer")
	date := flag.String("date", "", "date in the man pages' footer (default: from SOURCE_DATE_EPOCH, else today)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gendocs: -o DIR is required")
		os.Exit(2)
	}
	if *date == "" {
		t := time.Now().UTC()
		if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
			var sec int64
			if _, err := fmt.Sscan(s, &sec); err == nil {
				t = time.Unix(sec, 0).UTC()
			}
		}
		*date = t.Format("2006-01-02")
	}
	if err := write(*out, *version, *date); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(2)
	}
}

func write(dir, version, date string) error {
	for _, p := range cli.Programs() {
		var man bytes.Buffer
		if err := cli.WriteMan(&man, p, date, version); err != nil {
			return err
		}
		// gzip without a name or time in its header, so the file is reproducible.
		var gz bytes.Buffer
		zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		if err != nil {
			return err
		}
		if _, err := zw.Write(man.Bytes()); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if err := put(filepath.Join(dir, "usr/share/man/man8", p.Name+".8.gz"), gz.Bytes()); err != nil {
			return err
		}
		for _, sh := range cli.Shells {
			var b bytes.Buffer
			if err := cli.WriteCompletion(&b, sh, p); err != nil {
				return err
			}
			if err := put(filepath.Join(dir, cli.CompletionFile(sh, p.Name)), b.Bytes()); err != nil {
				return err
			}
		}
	}
	return nil
}

func put(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
