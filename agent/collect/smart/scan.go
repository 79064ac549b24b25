package smart

import (
	"encoding/json"
	"fmt"
)

// parseScan reads the device names of `smartctl --scan --json`.
func parseScan(b []byte) ([]string, error) {
	var s struct {
		Devices []struct {
			Name string `json:"name"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%w: smartctl --scan output: %w", ErrParse, err)
	}
	out := make([]string, 0, len(s.Devices))
	for _, d := range s.Devices {
		if d.Name != "" {
			out = append(out, d.Name)
		}
	}
	return out, nil
}
