// natsgo-example: publish and subscribe from Go through the C API.
//
//	usage: natsgo-example [URL]   (default: $NATS_URL)
package main

import (
	"fmt"
	"os"
	"time"

	"rnats.local/natsgo"
)

func main() {
	url := os.Getenv("NATS_URL")
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	if url == "" {
		fmt.Fprintln(os.Stderr, "usage: natsgo-example URL (or set NATS_URL)")
		os.Exit(2)
	}
	if err := run(url); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(url string) error {
	nc, err := natsgo.Connect(url, "natsgo-example", 5*time.Second)
	if err != nil {
		return err
	}
	defer nc.Destroy()
	sub, err := nc.SubscribeSync("go.example")
	if err != nil {
		return err
	}
	defer sub.Close()
	for i := 0; i < 3; i++ {
		if err := nc.Publish("go.example", []byte(fmt.Sprintf("hello %d", i))); err != nil {
			return err
		}
	}
	if err := nc.Flush(5 * time.Second); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			return err
		}
		fmt.Printf("received on %s: %s\n", m.Subject, m.Data)
	}
	fmt.Printf("natsgo-example: OK (library %s)\n", natsgo.Version())
	return nil
}
