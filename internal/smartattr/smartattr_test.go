package smartattr

import (
	"slices"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestList(t *testing.T) {
	ids := make([]uint8, 0, len(tracked))
	for _, a := range tracked {
		ids = append(ids, a.ID)
		if a.Name == "" {
			t.Errorf("attribute %d has no name", a.ID)
		}
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("ids must be sorted and unique: %v", ids)
	}
	if got := Predicted(); !slices.Equal(got, []uint8{5, 10, 12, 187, 188, 189, 196, 197, 198}) {
		t.Errorf("predictor inputs %v", got)
	}
	if Key(197) != "a197" || Name(Pending) != "pending sectors" || Name(42) != "attribute 42" {
		t.Errorf("key %q name %q %q", Key(197), Name(Pending), Name(42))
	}
	if !IsTracked(199) || IsTracked(3) {
		t.Error("IsTracked")
	}
}
