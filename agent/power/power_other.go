//go:build !linux && !windows

package power

import "context"

type unsupported struct{}

// New returns this OS's backend: none.
func New() Backend { return unsupported{} }

func (unsupported) Can(context.Context, Verb) (bool, error) { return false, ErrUnsupported }

func (unsupported) Do(context.Context, Verb, bool) error { return ErrUnsupported }
