// Package discovery builds Home Assistant MQTT device-based discovery
// payloads and holds the HA vocabulary as typed values, so a unit that HA
// would reject for a device class cannot be written by accident.
package discovery

// Component is an HA MQTT platform.
type Component string

// Platforms homefleet publishes.
const (
	Sensor       Component = "sensor"
	BinarySensor Component = "binary_sensor"
	Button       Component = "button"
	Switch       Component = "switch"
	Trigger      Component = "device_automation"
)

// DeviceClass is an HA device class.
type DeviceClass string

// Device classes homefleet uses.
const (
	NoClass      DeviceClass = ""
	Temperature  DeviceClass = "temperature"
	DataSize     DeviceClass = "data_size"
	DataRate     DeviceClass = "data_rate"
	Duration     DeviceClass = "duration"
	Timestamp    DeviceClass = "timestamp"
	Connectivity DeviceClass = "connectivity"
	Problem      DeviceClass = "problem"
	Power        DeviceClass = "power"
	Enum         DeviceClass = "enum"
)

// Unit is an HA unit of measurement.
type Unit string

// Units homefleet uses.
const (
	NoUnit      Unit = ""
	Percent     Unit = "%"
	Celsius     Unit = "°C"
	Bytes       Unit = "B"
	GiB         Unit = "GiB"
	BytesPerSec Unit = "B/s"
	Hours       Unit = "h"
	Seconds     Unit = "s"
	Millis      Unit = "ms"
)

// StateClass is an HA sensor state class.
type StateClass string

// State classes.
const (
	NoStateClass    StateClass = ""
	Measurement     StateClass = "measurement"
	Total           StateClass = "total"
	TotalIncreasing StateClass = "total_increasing"
)

// Category is an HA entity category.
type Category string

// Entity categories. Config is never valid on sensors or binary sensors.
const (
	Primary    Category = ""
	Diagnostic Category = "diagnostic"
	Config     Category = "config"
)

// AllowedUnits is HA's DEVICE_CLASS_UNITS for the classes homefleet uses
// (homeassistant/components/sensor/const.py). A class that is absent here
// accepts any unit; NoClass accepts any unit.
var AllowedUnits = map[DeviceClass][]Unit{
	Temperature: {Celsius, "°F", "K"},
	DataSize: {"bit", "kbit", "Mbit", "Gbit", Bytes, "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB",
		"KiB", "MiB", GiB, "TiB", "PiB", "EiB", "ZiB", "YiB"},
	DataRate:  {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", BytesPerSec, "kB/s", "MB/s", "GB/s", "KiB/s", "MiB/s", "GiB/s"},
	Duration:  {"d", Hours, "min", Seconds, Millis},
	Timestamp: {NoUnit},
	Enum:      {NoUnit},
}

// AllowedStateClasses is HA's DEVICE_CLASS_STATE_CLASSES for the classes
// homefleet uses. Absent: any state class.
var AllowedStateClasses = map[DeviceClass][]StateClass{
	Temperature: {Measurement},
	DataRate:    {Measurement},
	Timestamp:   {NoStateClass},
	Enum:        {NoStateClass},
}
