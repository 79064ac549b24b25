//go:build !windows

package config

func osStateDir() string { return xdgStateDir() }
