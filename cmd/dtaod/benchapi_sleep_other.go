//go:build !linux

package main

import "time"

// sleepUntil waits for t (benchapi_sleep_linux.go has the precise version).
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		time.Sleep(d)
	}
}
