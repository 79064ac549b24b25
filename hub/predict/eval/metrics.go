package eval

import (
	"sort"
)

// Alert is one alert: a transition into a level.
type Alert struct {
	Serial string
	Hour   float64
	Level  string // "watch" or "critical"

	watch    bool // an entry into Watch or worse
	critical bool // an entry into Critical or worse
}

func isCritical(a Alert) bool { return a.critical }
func isWatch(a Alert) bool    { return a.watch }

// Metrics are the figures for one level.
type Metrics struct {
	FDR           float64 `json:"fdr"`
	Precision     float64 `json:"precision"`
	FalsePer100DY float64 `json:"false_drives_per_100_drive_years"`
	MedianLeadD   float64 `json:"median_lead_days"`
	Detected      int     `json:"detected"`
	Failures      int     `json:"failures"`
	Alerts        int     `json:"alerts"`
	FalseDrives   int     `json:"false_drives"`
	DriveYears    float64 `json:"drive_years"`
}

// score computes FDR[lo..hi], precision@h and false drives per 100
// drive-years for the alerts that count at this level, within window w
// of each drive's life (alerts, failures and exposure outside it do not
// count; a failure after the window is not known inside it). The
// counts are of drives; the rates weigh each drive by w's weights.
func score(drives []*Drive, alerts map[string][]Alert, counts func(Alert) bool, lo, hi, h float64, w window) Metrics {
	var m Metrics
	var trueA, falseA, failures, detected, falseDrives float64
	var leads []float64
	hours := 0.0
	for _, d := range drives {
		from, to := w.of(d)
		start, end := max(d.Start(), from), min(d.End(), to)
		if end <= start {
			continue
		}
		wt := w.weigh(d)
		hours += (end - start) * wt
		fail := d.FailHour()
		failed := d.Failed && fail <= to
		if failed {
			m.Failures++
			failures += wt
		}
		hasFalse := false
		best := -1.0
		for _, a := range alerts[d.Serial] {
			if !counts(a) || a.Hour < start || a.Hour >= end {
				continue
			}
			lead := fail - a.Hour
			switch {
			case failed && lead <= h:
				trueA += wt
			case !failed && end-a.Hour < h:
				continue // outcome unknown: healthy drive near the end of its data
			default:
				falseA += wt
				hasFalse = true
			}
			m.Alerts++
			if failed && lead >= lo && lead <= hi && lead > best {
				best = lead
			}
		}
		if best >= 0 {
			m.Detected++
			detected += wt
			leads = append(leads, best)
		}
		if hasFalse {
			m.FalseDrives++
			falseDrives += wt
		}
	}
	m.DriveYears = hours / 8760 // weighted
	if failures > 0 {
		m.FDR = detected / failures
	}
	if trueA+falseA > 0 {
		m.Precision = trueA / (trueA + falseA)
	}
	if m.DriveYears > 0 {
		m.FalsePer100DY = 100 * falseDrives / m.DriveYears
	}
	if len(leads) > 0 {
		sort.Float64s(leads)
		m.MedianLeadD = leads[len(leads)/2] / 24
	}
	return m
}
