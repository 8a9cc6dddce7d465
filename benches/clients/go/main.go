// Command bench-client-go is the go-imap v1 side of the client benchmark (see ../run.sh):
// the same flags, workloads and output line as the Rust bench-client.
//
//	bench-client-go --impl go-imap --workload {envelope,bodies,roundtrip} \
//	    --addr 127.0.0.1:PORT --user U --pass P --mailbox M
//
// It connects, logs in and selects (not measured), then runs the workload, touching the
// UID, the flags and the envelope subject (or the body) of every message, and prints
// `impl=go-imap workload=... messages=N wall_s=... cpu_s=... uid_sum=... flags=... bytes=...`
// with the process CPU time (getrusage RUSAGE_SELF, user + system) spent in the workload.
// Exits non-zero unless exactly UIDs 1..=N came back, each once.
//
// Build (GOPATH mode, with Debian's golang-github-emersion-go-imap-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o bench-client-go .
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

const roundtrips = 1000

type tally struct {
	messages, uidSum, flags, bytes uint64
}

func (t *tally) add(uid uint32, flags, bytes int) {
	t.messages++
	t.uidSum += uint64(uid)
	t.flags += uint64(flags)
	t.bytes += uint64(bytes)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fetch runs one UID FETCH, calling each for every message as it arrives.
func fetch(c *client.Client, set string, items []imap.FetchItem, each func(*imap.Message)) error {
	seqset, err := imap.ParseSeqSet(set)
	if err != nil {
		return err
	}
	messages := make(chan *imap.Message, 64)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(seqset, items, messages) }()
	for m := range messages {
		each(m)
	}
	return <-done
}

func run(c *client.Client, workload string) (tally, error) {
	var t tally
	switch workload {
	case "envelope":
		items := []imap.FetchItem{imap.FetchUid, imap.FetchFlags, imap.FetchEnvelope}
		err := fetch(c, "1:*", items, func(m *imap.Message) {
			subject := 0
			if m.Envelope != nil {
				subject = len(m.Envelope.Subject)
			}
			t.add(m.Uid, len(m.Flags), subject)
		})
		return t, err
	case "bodies":
		section, err := imap.ParseBodySectionName("BODY.PEEK[]")
		if err != nil {
			return t, err
		}
		err = fetch(c, "1:1000", []imap.FetchItem{section.FetchItem()}, func(m *imap.Message) {
			n := 0
			if body := m.GetBody(section); body != nil {
				n = body.Len()
			}
			t.add(m.Uid, len(m.Flags), n)
		})
		return t, err
	case "roundtrip":
		items := []imap.FetchItem{imap.FetchUid, imap.FetchFlags}
		for n := uint32(1); n <= roundtrips; n++ {
			var uids []uint32
			err := fetch(c, fmt.Sprint(n), items, func(m *imap.Message) {
				t.add(m.Uid, len(m.Flags), 0)
				uids = append(uids, m.Uid)
			})
			if err != nil {
				return t, err
			}
			if len(uids) != 1 || uids[0] != n {
				return t, fmt.Errorf("UID FETCH %d: got UIDs %v", n, uids)
			}
		}
		return t, nil
	}
	return t, fmt.Errorf("unknown workload %q", workload)
}

func main() {
	impl := flag.String("impl", "go-imap", "implementation (only go-imap)")
	workload := flag.String("workload", "", "envelope, bodies or roundtrip")
	addr := flag.String("addr", "", "host:port")
	user := flag.String("user", "", "LOGIN user")
	pass := flag.String("pass", "", "LOGIN password")
	mailbox := flag.String("mailbox", "", "mailbox to SELECT")
	flag.Parse()
	expected := map[string]uint64{"envelope": 10000, "bodies": 1000, "roundtrip": 1000}[*workload]
	if *impl != "go-imap" || expected == 0 || *addr == "" || *mailbox == "" {
		flag.Usage()
		os.Exit(2)
	}
	fail := func(what string, err error) {
		fmt.Fprintf(os.Stderr, "bench-client go-imap: %s: %v\n", what, err)
		os.Exit(1)
	}

	c, err := client.Dial(*addr)
	if err != nil {
		fail("connect", err)
	}
	if err := c.Login(*user, *pass); err != nil {
		fail("login", err)
	}
	if _, err := c.Select(*mailbox, false); err != nil {
		fail("select", err)
	}

	cpu0, wall0 := cpuTime(), time.Now()
	t, err := run(c, *workload)
	wall, cpu := time.Since(wall0), cpuTime()-cpu0
	if err != nil {
		fail(*workload, err)
	}
	if err := c.Logout(); err != nil && err != io.EOF {
		fail("logout", err)
	}

	fmt.Printf("impl=go-imap workload=%s messages=%d wall_s=%.6f cpu_s=%.6f uid_sum=%d flags=%d bytes=%d\n",
		*workload, t.messages, wall.Seconds(), cpu.Seconds(), t.uidSum, t.flags, t.bytes)
	if t.messages != expected || t.uidSum != expected*(expected+1)/2 {
		fmt.Fprintf(os.Stderr, "bench-client go-imap: expected UIDs 1..=%d, each once; got %d messages, UID sum %d\n",
			expected, t.messages, t.uidSum)
		os.Exit(1)
	}
}
