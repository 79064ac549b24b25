package main

import (
	"net"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func dialOK(addr string) (bool, error) {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false, err
	}
	return true, c.Close()
}
