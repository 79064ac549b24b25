package eval

import "time"

// window is the part of each drive's life that is looked at, and how much
// each drive model counts there.
//
// Weights are what keeps the time split's operating point honest. Every
// drive model's false-alarm rate is stable from one year to the next
// (ST4000DM000 1.86 and 1.61 false drives per 100 drive-years under the
// rule before and after the cutoff, ST3000DM001 31.5 and 30.9), but the
// fleet is not: ST3000DM001 and ST31500541AS, which raise a third of the
// false alarms before July 2015, are almost gone after it. A threshold
// tuned on the past's mix gives the future a quarter of its false-alarm
// target and catches nothing. Fitting and tuning with each model weighted
// to its share of the drives in service at the cutoff (what a hub knows
// about its own fleet on that day) puts the future's false rate near its
// target.
type window struct {
	span   func(d *Drive) (from, to float64)
	weight map[string]float64 // per drive model; nil: every drive counts 1
}

// of is the span of d's life looked at.
func (w window) of(d *Drive) (from, to float64) { return w.span(d) }

// weigh is how much d counts.
func (w window) weigh(d *Drive) float64 {
	if w.weight == nil {
		return 1
	}
	return w.weight[d.Model]
}

var whole = window{span: func(d *Drive) (float64, float64) { return d.Start(), d.End() }} //nolint:gochecknoglobals // the whole life

// hourAt is date t on d's power-on axis.
func hourAt(d *Drive, t time.Time) float64 { return d.MinHours + t.Sub(d.MinDate).Hours() }

// before and after split each drive's life at t.
func before(t time.Time) func(d *Drive) (float64, float64) {
	return func(d *Drive) (float64, float64) { return d.Start(), min(d.End(), hourAt(d, t)) }
}

func after(t time.Time) func(d *Drive) (float64, float64) {
	return func(d *Drive) (float64, float64) { return hourAt(d, t), d.End() }
}

// Weight bounds: no model is dropped or lets a handful of drives decide.
const minWeight, maxWeight = 0.02, 50.0

// inServiceMix weights each drive model by its share of the drives in
// service at t over its share of the exposure in span.
func inServiceMix(drives []*Drive, t time.Time, span func(d *Drive) (float64, float64)) map[string]float64 {
	alive, exposure := map[string]float64{}, map[string]float64{}
	var nAlive, nExposure float64
	for _, d := range drives {
		if h := hourAt(d, t); d.Start() <= h && h < d.End() {
			alive[d.Model]++
			nAlive++
		}
		if from, to := span(d); to > from {
			exposure[d.Model] += to - from
			nExposure += to - from
		}
	}
	out := make(map[string]float64, len(exposure))
	for m, e := range exposure {
		w := (alive[m] / max(nAlive, 1)) / (e / nExposure)
		out[m] = min(max(w, minWeight), maxWeight)
	}
	return out
}
