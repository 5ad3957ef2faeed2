package decode

import (
	"errors"
	"strconv"
)

// Classes of undecodable adverts. A *DecodeError unwraps to one of them.
var (
	// ErrTruncated: fewer bytes than the fixed 8-byte VRRP header.
	ErrTruncated = errors.New("truncated")
	// ErrVersion: a version other than 2 or 3; the layout is unknown.
	ErrVersion = errors.New("unknown vrrp version")
	// ErrIPHeader: the IP header of a protocol 112 packet did not decode
	// (a malformed option, a header longer than the packet): the kernel
	// drops it, and so it is an undecodable advert.
	ErrIPHeader = errors.New("malformed ip header")
	// ErrBufferTooSmall: a serialisation target too small.
	ErrBufferTooSmall = errors.New("buffer too small")
	// ErrInvalidAdvert: an advert that cannot be serialised as it is.
	ErrInvalidAdvert = errors.New("invalid advert")
)

// DecodeError names the field and offset where decoding or encoding failed.
type DecodeError struct {
	Field  string // RFC field name, e.g. "Count IP Addrs"
	Offset int    // byte offset within the VRRP message
	Detail string // what was found, e.g. "7 bytes, need 8"
	Err    error  // the class: ErrTruncated, ErrVersion, ...
}

func (e *DecodeError) Error() string {
	s := "vrrp: " + e.Field + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the class of the error.
func (e *DecodeError) Unwrap() error { return e.Err }
