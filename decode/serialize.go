package decode

import (
	"encoding/binary"
	"strconv"

	"github.com/google/gopacket"
)

// Len returns the encoded length of the advert: header, addresses, v2
// authentication data and trailer.
func (v *VRRP) Len() int {
	n := headerLen + len(v.Addrs)*v.addrLen() + len(v.Trailer)
	if v.Version == V2 {
		n += authLen
	}
	return n
}

func (v *VRRP) addrLen() int {
	if v.Version == V3 && v.family() == IPv6 {
		return 16
	}
	return 4
}

// family is the family to encode: the one set, else the first address's.
func (v *VRRP) family() Family {
	if v.Family != FamilyUnknown {
		return v.Family
	}
	if v.IP.Family != FamilyUnknown {
		return v.IP.Family
	}
	if len(v.Addrs) > 0 && v.Addrs[0].Is6() {
		return IPv6
	}
	return IPv4
}

// AppendBinary appends the encoded advert to b. Count IP Addrs is written as
// len(Addrs). With checksum true the checksum is computed in v.Flavour (the
// version's default when FlavourNone: message-only for v2, RFC 5798 for v3)
// over the pseudo-header of v.IP.Src and v.IP.Dst and stored in v.Checksum;
// otherwise v.Checksum is written as it is. It does not allocate when b has
// room.
func (v *VRRP) AppendBinary(b []byte, checksum bool) ([]byte, error) {
	if err := v.check(checksum); err != nil {
		return b, err
	}
	start := len(b)
	b = append(b, byte(v.Version)<<4|byte(v.Type)&0x0f, v.VRID, v.Priority, byte(len(v.Addrs)))
	if v.Version == V2 {
		b = append(b, byte(v.AuthType), byte(v.AdverInt))
	} else {
		b = binary.BigEndian.AppendUint16(b, uint16(v.Reserved&0x0f)<<12|v.AdverInt&0x0fff)
	}
	b = append(b, 0, 0)
	for _, a := range v.Addrs {
		if v.addrLen() == 4 {
			a4 := a.As4()
			b = append(b, a4[:]...)
		} else {
			a16 := a.As16()
			b = append(b, a16[:]...)
		}
	}
	if v.Version == V2 {
		b = append(b, v.AuthData[:]...)
	}
	msgEnd := len(b)
	b = append(b, v.Trailer...)
	if checksum {
		f := v.Flavour
		if f == FlavourNone {
			f = FlavourRFC5798
			if v.Version == V2 {
				f = FlavourMessageOnly
			}
		}
		v.Checksum = Checksum(b[start:msgEnd], f, v.IP.Src, v.IP.Dst)
	}
	binary.BigEndian.PutUint16(b[start+6:], v.Checksum)
	return b, nil
}

func (v *VRRP) check(checksum bool) error {
	bad := func(field, detail string) error {
		return &DecodeError{Field: field, Err: ErrInvalidAdvert, Detail: detail}
	}
	switch v.Version {
	case V2:
		if v.AdverInt > 0xff {
			return bad("Adver Int", strconv.Itoa(int(v.AdverInt))+" s does not fit 8 bits")
		}
	case V3:
		if v.AdverInt > 0x0fff {
			return bad("Max Adver Int", strconv.Itoa(int(v.AdverInt))+" cs does not fit 12 bits")
		}
	default:
		return bad("Version", "version "+strconv.Itoa(int(v.Version))+", want 2 or 3")
	}
	if len(v.Addrs) > 255 {
		return bad("Count IP Addrs", strconv.Itoa(len(v.Addrs))+" addresses, at most 255")
	}
	want6 := v.addrLen() == 16
	for i, a := range v.Addrs {
		if !a.IsValid() || a.Is4() == want6 || a.Zone() != "" {
			fam := "IPv4"
			if want6 {
				fam = "IPv6"
			}
			return bad("IP Address", "address "+strconv.Itoa(i)+" ("+a.String()+") is not a plain "+fam+" address")
		}
	}
	if checksum && v.Version == V3 && (v.Flavour != FlavourMessageOnly) && (!v.IP.Src.IsValid() || !v.IP.Dst.IsValid()) {
		return bad("Checksum", "the v3 pseudo-header needs IP.Src and IP.Dst")
	}
	return nil
}

// MarshalBinary returns the encoded advert with its checksum computed (see
// AppendBinary).
func (v *VRRP) MarshalBinary() ([]byte, error) {
	return v.AppendBinary(make([]byte, 0, v.Len()), true)
}

// SerializeTo writes the advert into b, computing the checksum when
// opts.ComputeChecksums is set. The pseudo-header addresses come from v.IP:
// gopacket serialises payloads before the IP header that carries them.
func (v *VRRP) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	buf, err := b.PrependBytes(v.Len())
	if err != nil {
		return err
	}
	_, err = v.AppendBinary(buf[:0], opts.ComputeChecksums)
	return err
}
