package keepalived

import (
	"bytes"
	"io"
	"io/fs"
	"time"
)

// memFS is one in-memory file over an optional file system for includes.
type memFS struct {
	name  string
	data  []byte
	under fs.FS
}

func (m memFS) Open(name string) (fs.File, error) {
	if name == m.name {
		return &memFile{r: bytes.NewReader(m.data), name: name, size: int64(len(m.data))}, nil
	}
	if m.under == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return m.under.Open(name)
}

type memFile struct {
	r    *bytes.Reader
	name string
	size int64
}

func (f *memFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f}, nil }

type memInfo struct{ f *memFile }

func (i memInfo) Name() string       { return i.f.name }
func (i memInfo) Size() int64        { return i.f.size }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

var _ io.Reader = (*memFile)(nil)
