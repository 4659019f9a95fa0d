//go:build linux

package main

import (
	"syscall"
	"time"
	"unsafe"
)

// monotonicNow reads CLOCK_MONOTONIC, the clock of the JVM's System.nanoTime on Linux, so the times this
// worker reports line up with the coordinator's and the servers'.
func monotonicNow() (int64, error) {
	var ts syscall.Timespec
	const clockMonotonic = 1
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, errno
	}
	return ts.Nano(), nil
}

// monotonicClock maps time.Time readings (whose monotonic part is CLOCK_MONOTONIC too) onto
// CLOCK_MONOTONIC nanoseconds with one system call at start.
type monotonicClock struct {
	base  int64
	start time.Time
}

func newMonotonicClock() (monotonicClock, error) {
	start := time.Now()
	base, err := monotonicNow()
	return monotonicClock{base: base, start: start}, err
}

func (c monotonicClock) nanos(t time.Time) int64 { return c.base + int64(t.Sub(c.start)) }
