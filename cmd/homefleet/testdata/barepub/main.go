// Command barepub is the footprint benchmark's baseline: a bare paho
// client that publishes one retained message of the agent's size every
// interval, and nothing else.
package main

import (
	"bytes"
	"flag"
	"log"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func main() {
	broker := flag.String("broker", "tcp://127.0.0.1:1883", "broker URL")
	size := flag.Int("size", 553, "payload bytes")
	every := flag.Duration("interval", 10*time.Second, "publish period")
	flag.Parse()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(*broker).SetClientID("barepub").SetAutoReconnect(true))
	if t := c.Connect(); t.Wait() && t.Error() != nil {
		log.Fatal(t.Error())
	}
	payload := bytes.Repeat([]byte("x"), *size)
	for range time.Tick(*every) {
		c.Publish("barepub/state", 1, true, payload).Wait()
	}
}
