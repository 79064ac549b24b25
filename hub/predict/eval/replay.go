package eval

import (
	"github.com/homefleet/homefleet/hub/predict"
)

// scored is a drive's replayed score sequence: at every row start, what
// the predictor knew then.
type scored struct {
	d        *Drive
	hours    []float64
	p30, p90 []float32
	failing  []bool
	trig     []bool // a growth attribute (5/187/197/198) rose at this row
}

// scoreDrives replays every drive through a tracker of m.
func scoreDrives(drives []*Drive, m *predict.Model) []scored {
	out := make([]scored, len(drives))
	for i, d := range drives {
		t := predict.NewTracker(m, d.Model)
		s := scored{d: d, hours: make([]float64, len(d.Rows)), p30: make([]float32, len(d.Rows)),
			p90: make([]float32, len(d.Rows)), failing: make([]bool, len(d.Rows)), trig: make([]bool, len(d.Rows))}
		for j, r := range d.Rows {
			st, p30, p90 := t.Score(obs(r))
			s.hours[j], s.p30[j], s.p90[j], s.failing[j] = r.TStart, float32(p30), float32(p90), st == predict.Failing
			s.trig[j] = t.Triggered()
		}
		out[i] = s
	}
	return out
}

// alertsAt turns score sequences into alerts for the given thresholds,
// with the Tracker's semantics: a rise of a growth attribute whose risk
// clears a threshold raises the level and holds it for the horizon; an
// alert is an entry into Watch-or-worse or into Critical. With refire,
// every qualifying rise alerts again (an escalation) even while held.
func alertsAt(seqs []scored, critT, watchT float32, refire bool) map[string][]Alert {
	out := make(map[string][]Alert, len(seqs))
	for _, s := range seqs {
		var list []Alert
		critTil, watchTil := -1.0, -1.0
		for j, h := range s.hours {
			qc := s.failing[j] || (s.trig[j] && s.p30[j] >= critT)
			qw := qc || (s.trig[j] && s.p90[j] >= watchT)
			inC := h < critTil
			inW := inC || h < watchTil
			if qc && (!inC || refire) {
				list = append(list, Alert{Serial: s.d.Serial, Hour: h, Level: "critical", watch: !inW || refire, critical: true})
			} else if qw && (!inW || refire) {
				list = append(list, Alert{Serial: s.d.Serial, Hour: h, Level: "watch", watch: true})
			}
			if qc {
				critTil = h + critH
			}
			if qw {
				watchTil = max(watchTil, h+watchH)
			}
		}
		if list != nil {
			out[s.d.Serial] = list
		}
	}
	return out
}

var growth = []int{predict.A5, predict.A187, predict.A197, predict.A198} //nolint:gochecknoglobals // fixed slots

// baselineAlerts is the rule "alert on any increase of 5/187/197/198".
func baselineAlerts(drives []*Drive) map[string][]Alert {
	out := map[string][]Alert{}
	for _, d := range drives {
		var last [predict.NumAttrs]int64
		for j, r := range d.Rows {
			inc := false
			for _, k := range growth {
				v := r.Attr[k]
				if v == predict.NA {
					continue
				}
				if j > 0 && v > last[k] {
					inc = true
				}
				last[k] = v
			}
			if inc {
				out[d.Serial] = append(out[d.Serial], Alert{Serial: d.Serial, Hour: r.TStart, Level: "critical", watch: true, critical: true})
			}
		}
	}
	return out
}
