package image

import (
	"debug/elf"
	"fmt"
)

// checkStatic refuses dynamically linked binaries: the operator image has no libc.
func checkStatic(binary string) error {
	f, err := elf.Open(binary)
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable: %w", binary, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; build it with CGO_ENABLED=0 (make build does)", binary)
		}
	}
	return nil
}
