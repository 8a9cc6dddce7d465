// Command goimap-memory serves go-imap v1's in-memory backend (user username, password
// password) on a loopback address, for the load comparison in BENCHMARKS.md.
package main

import (
	"flag"
	"log"

	"github.com/emersion/go-imap/backend/memory"
	"github.com/emersion/go-imap/server"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:1144", "address to listen on")
	flag.Parse()
	s := server.New(memory.New())
	s.Addr = *addr
	s.AllowInsecureAuth = true
	log.Printf("go-imap v1 memory backend on %s", *addr)
	log.Fatal(s.ListenAndServe())
}
