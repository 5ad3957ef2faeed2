package pcapfile

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/gopacket/pcapgo"
)

// A mapped file's pages are dropped behind the reader, and frames handed
// out before stay readable: they come back from the page cache.
func TestMappedWindowKeepsFramesValid(t *testing.T) {
	defer func(w int) { mapWindow = w }(mapWindow)
	mapWindow = 64 << 10 // 160 windows in the file below
	file := synthPcap(true, false, 120000)
	src := openTemp(t, file)
	defer src.Close()
	var frames [][]byte // not copied: they point into the mapping
	for {
		d, _, err := src.ZeroCopyReadPacketData()
		if err != nil {
			break
		}
		frames = append(frames, d)
	}
	w := src.(*fileSource).frameReader.(*pcapReader)
	if !w.mapped {
		t.Fatal("not mapped")
	}
	if rss := mappedRSS(t, w.buf); rss > 3*mapWindow {
		t.Errorf("%d KB of the %d KB file are mapped in at its end, want at most %d KB", rss>>10, len(file)>>10, 3*mapWindow>>10)
	}
	r, _ := pcapgo.NewReader(bytes.NewReader(file))
	want, _ := readAll(r)
	if len(frames) != len(want) {
		t.Fatalf("%d frames, pcapgo %d", len(frames), len(want))
	}
	for j := range want {
		if !bytes.Equal(frames[j], want[j].data) {
			t.Fatalf("frame %d differs after its pages were dropped", j+1)
		}
	}
}

// mappedRSS is how much of the mapping that holds data is resident in this
// process (/proc/self/smaps).
func mappedRSS(t *testing.T, data []byte) int {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	addr := uint64(uintptr(unsafe.Pointer(&data[0])))
	in := false
	for _, line := range strings.Split(string(smaps), "\n") {
		var lo, hi uint64
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= addr && addr < hi
			continue
		}
		var kb int
		if in && strings.HasPrefix(line, "Rss:") {
			fmt.Sscanf(line, "Rss: %d kB", &kb)
			return kb << 10
		}
	}
	t.Fatal("mapping not found in /proc/self/smaps")
	return 0
}
