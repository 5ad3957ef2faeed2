package probe

import (
	"fmt"
	"net"
	"time"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"
)

// OpenFrames opens an AF_PACKET socket on ifi that receives every frame
// the interface sends and receives (needs cap_net_raw).
func OpenFrames(ifi *net.Interface) (FrameSource, error) {
	if ifi == nil {
		return nil, ErrNoInterface
	}
	c, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_ALL, nil)
	if err != nil {
		return nil, fmt.Errorf("capturing on %s (needs cap_net_raw): %w", ifi.Name, err)
	}
	return &frames{c: c}, nil
}

type frames struct{ c *packet.Conn }

func (f *frames) ReadFrame(b []byte) (int, time.Time, error) {
	n, _, err := f.c.ReadFrom(b)
	return n, time.Now(), err
}

func (f *frames) Close() error { return f.c.Close() }
