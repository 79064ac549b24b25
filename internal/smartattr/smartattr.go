// Package smartattr is the one list of the ATA SMART attributes homefleet
// reads, publishes, stores and predicts on: each id, its name in words,
// and the key it travels under in a disk document ("a5"). The agent's
// SMART collector, the wire documents, the hub's store and the predictor
// all read it from here.
package smartattr

import "strconv"

// Attributes with a meaning of their own in homefleet.
const (
	Reallocated   uint8 = 5
	PowerOnHours  uint8 = 9
	PowerCycles   uint8 = 12
	ReportedUncor uint8 = 187
	CommandTimout uint8 = 188
	Temperature   uint8 = 194
	Pending       uint8 = 197
	Uncorrectable uint8 = 198
)

// Attr is one tracked attribute.
type Attr struct {
	ID      uint8
	Name    string // in words, for reasons and logs
	Predict bool   // an input of the failure predictor (and a store column)
}

// tracked is the list, in id order.
var tracked = []Attr{ //nolint:gochecknoglobals // the fixed list
	{Reallocated, "reallocated sectors", true},
	{PowerOnHours, "power-on hours", false},
	{10, "spin retries", true},
	{PowerCycles, "power cycles", true},
	{ReportedUncor, "reported uncorrectable errors", true},
	{CommandTimout, "command timeouts", true},
	{189, "high fly writes", true},
	{Temperature, "temperature", false},
	{196, "reallocation events", true},
	{Pending, "pending sectors", true},
	{Uncorrectable, "offline uncorrectable sectors", true},
	{199, "UDMA CRC errors", false},
}

// Tracked returns every attribute homefleet reads, in id order.
func Tracked() []Attr { return append([]Attr(nil), tracked...) }

// IsTracked reports whether id is read and published.
func IsTracked(id uint8) bool {
	for _, a := range tracked {
		if a.ID == id {
			return true
		}
	}
	return false
}

// Predicted returns the predictor's inputs, in id order: the order of the
// predictor's attribute slots and of the store's columns.
func Predicted() []uint8 {
	var out []uint8
	for _, a := range tracked {
		if a.Predict {
			out = append(out, a.ID)
		}
	}
	return out
}

// Name returns the attribute's name in words ("attribute 42" if untracked).
func Name(id uint8) string {
	for _, a := range tracked {
		if a.ID == id {
			return a.Name
		}
	}
	return "attribute " + strconv.Itoa(int(id))
}

// Key is the attribute's key in a disk document's attrs and in the
// store: "a5".
func Key(id uint8) string { return "a" + strconv.Itoa(int(id)) }
