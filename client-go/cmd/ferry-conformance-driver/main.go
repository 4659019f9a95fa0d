// Command ferry-conformance-driver wraps the Go client for Ferry's shared conformance harness:
// it reads one JSON request per line on stdin and writes one JSON answer per line on stdout, in
// order (the driver protocol); its logs go to stderr.
package main

import "os"

func main() {
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr))
}
