package filter

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// Matcher runs a program over frames in Go, as the kernel would: for
// frames read from a file.
type Matcher struct{ vm *bpf.VM }

// NewMatcher prepares prog (compiled for a Target without Kernel).
func NewMatcher(prog []bpf.Instruction) (*Matcher, error) {
	vm, err := bpf.NewVM(prog)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	return &Matcher{vm}, nil
}

// Match reports whether the program accepts frame.
func (m *Matcher) Match(frame []byte) bool {
	n, err := m.vm.Run(frame)
	return err == nil && n > 0
}

// ParseDDD reads a program as `tcpdump -ddd` prints it: the count, then
// one "code jt jf k" line per instruction.
func ParseDDD(out string) ([]bpf.Instruction, error) {
	var nums []uint32
	for _, l := range strings.Fields(out) {
		n, err := strconv.ParseUint(l, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("filter: tcpdump -ddd printed %q, not a number", l)
		}
		nums = append(nums, uint32(n))
	}
	if len(nums) == 0 || int(nums[0])*4 != len(nums)-1 || nums[0] == 0 {
		return nil, fmt.Errorf("filter: tcpdump -ddd printed %d numbers, not a program", len(nums))
	}
	prog := make([]bpf.Instruction, nums[0])
	for i := range prog {
		f := nums[1+4*i:]
		if f[0] > 0xffff || f[1] > 255 || f[2] > 255 {
			return nil, fmt.Errorf("filter: tcpdump -ddd instruction %d is out of range", i)
		}
		prog[i] = bpf.RawInstruction{Op: uint16(f[0]), Jt: uint8(f[1]), Jf: uint8(f[2]), K: f[3]}.Disassemble()
	}
	return prog, nil
}
