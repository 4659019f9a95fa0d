//go:build !linux

package main

import (
	"errors"
	"time"
)

type monotonicClock struct{}

func newMonotonicClock() (monotonicClock, error) {
	return monotonicClock{}, errors.New("the bench worker reports times on the JVM's clock, CLOCK_MONOTONIC: Linux only")
}

func (monotonicClock) nanos(time.Time) int64 { return 0 }
