package track

import (
	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// DisableSteady makes t take the full path for every advert.
func DisableSteady(t *Tracker) { t.noSteady = true }

// Stream exposes Read's tagged path to the tests that prove it equal to
// the full path in runs of any length.
type Stream = stream

// NewStream returns a stream for the frames of link.
func NewStream(link string) *Stream { return &stream{link: link} }

// ObserveTagged is Read's tagged path for one run of frames.
func ObserveTagged(t *Tracker, s *Stream, tags []decode.Tag, data [][]byte, p *decode.Parser) {
	t.observeTagged(s, tags, data, p)
}

// ObserveAll is Read's path for a run of decoded frames under one lock.
func ObserveAll(t *Tracker, link string, pkts []capture.Packet) { t.observeAll(link, nil, pkts) }
