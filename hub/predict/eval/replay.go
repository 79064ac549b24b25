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
	trig     []bool // the tracker may alert at this row (see predict.Tracker.Triggered)
	rule     []bool // the rule fires at this row: 5/187/197/198 rose
}

// scoreDrives replays every drive through a tracker of m.
func scoreDrives(drives []*Drive, m *predict.Model) []scored {
	out := make([]scored, len(drives))
	for i, d := range drives {
		t := predict.NewTracker(m, d.Model)
		s := scored{d: d, hours: make([]float64, len(d.Rows)), p30: make([]float32, len(d.Rows)),
			p90: make([]float32, len(d.Rows)), failing: make([]bool, len(d.Rows)), trig: make([]bool, len(d.Rows)),
			rule: make([]bool, len(d.Rows))}
		for j, inc := range ruleIncrease(d) {
			s.rule[j] = inc > 0
		}
		for j, r := range d.Rows {
			st, p30, p90 := t.Score(obs(r))
			s.hours[j], s.p30[j], s.p90[j], s.failing[j] = r.TStart, float32(p30), float32(p90), st == predict.Failing
			s.trig[j] = t.Triggered()
		}
		out[i] = s
	}
	return out
}

// alertsAt predicts the Tracker's alerts for other thresholds from the
// recorded scores, for tuning: a rise of a growth attribute whose risk
// clears a threshold alerts at that level (again at every such rise), and
// entering Failing alerts as critical.
func alertsAt(seqs []scored, critT, watchT float32) map[string][]Alert {
	out := make(map[string][]Alert, len(seqs))
	for _, s := range seqs {
		var list []Alert
		for j, h := range s.hours {
			enterFailing := s.failing[j] && (j == 0 || !s.failing[j-1])
			switch {
			case enterFailing || (s.trig[j] && s.p30[j] >= critT):
				list = append(list, Alert{Serial: s.d.Serial, Hour: h, Level: "critical", watch: true, critical: true})
			case s.trig[j] && s.p90[j] >= watchT:
				list = append(list, Alert{Serial: s.d.Serial, Hour: h, Level: "watch", watch: true})
			}
		}
		if list != nil {
			out[s.d.Serial] = list
		}
	}
	return out
}

// trackerAlerts replays drives through the model's own Tracker and keeps
// the alerts it raises: exactly what the hub publishes.
func trackerAlerts(drives []*Drive, m *predict.Model) map[string][]Alert {
	out := map[string][]Alert{}
	for _, d := range drives {
		t := predict.NewTracker(m, d.Model)
		for _, r := range d.Rows {
			t.Score(obs(r))
			switch t.Alert() {
			case predict.Critical, predict.Failing:
				out[d.Serial] = append(out[d.Serial], Alert{Serial: d.Serial, Hour: r.TStart, Level: "critical", watch: true, critical: true})
			case predict.Watch:
				out[d.Serial] = append(out[d.Serial], Alert{Serial: d.Serial, Hour: r.TStart, Level: "watch", watch: true})
			}
		}
	}
	return out
}

var growth = []int{predict.A5, predict.A187, predict.A197, predict.A198} //nolint:gochecknoglobals // fixed slots

// baselineAlerts is the rule "alert on any increase of 5/187/197/198".
func baselineAlerts(drives []*Drive) map[string][]Alert { return ruleAlerts(drives, 1) }
