//go:build !linux

package netid

func ipv6Flags() addrFlags { return nil }

func wolState(string) string { return "" }
