package track

import (
	"testing"
	"unsafe"
)

// TestHotFieldsFirst keeps the layout the steady path's comments promise:
// what a repeated advert reads and writes of its router and group lies in
// their first 128 bytes.
func TestHotFieldsFirst(t *testing.T) {
	var r router
	for name, end := range map[string]uintptr{
		"router.gaps":    unsafe.Offsetof(r.gaps) + unsafe.Sizeof(r.gaps),
		"router.recent":  unsafe.Offsetof(r.recent) + unsafe.Sizeof(r.recent),
		"router.flavour": unsafe.Offsetof(r.flavour) + unsafe.Sizeof(r.flavour),
	} {
		if end > 128 {
			t.Errorf("%s ends at byte %d, beyond the first two cache lines", name, end)
		}
	}
	var g group
	for name, end := range map[string]uintptr{
		"group.splitIdx": unsafe.Offsetof(g.splitIdx) + unsafe.Sizeof(g.splitIdx),
		"group.mdiGen":   unsafe.Offsetof(g.mdiGen) + unsafe.Sizeof(g.mdiGen),
		"group.down":     unsafe.Offsetof(g.down) + unsafe.Sizeof(g.down),
	} {
		if end > 128 {
			t.Errorf("%s ends at byte %d, beyond the first two cache lines", name, end)
		}
	}
	if s := unsafe.Sizeof(g); s > 256 {
		t.Errorf("a group takes %d bytes, more than its 256-byte slot", s)
	}
}
