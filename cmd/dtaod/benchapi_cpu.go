package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// CPU accounting for bench-api. On a machine shared with other work, wall-clock throughput
// says as much about the neighbours as about dtaod; the CPU time the generator and the watched
// processes (the server, its database backends: -cpu-pids) spent per request does not, and it
// gives what dedicated cores would sustain.

// cpuSnapshot is the generator's own CPU time and each watched process's, at one moment (from
// /proc, so Linux only: elsewhere they read as zero).
type cpuSnapshot struct {
	at   time.Time
	self time.Duration
	pids map[int]time.Duration
}

// cpuUsage is the CPU spent between two snapshots.
type cpuUsage struct {
	WallSeconds      float64 `json:"wall_seconds"`
	GeneratorSeconds float64 `json:"generator_cpu_seconds"`
	WatchedSeconds   float64 `json:"watched_cpu_seconds"`
	WatchedPIDs      int     `json:"watched_pids"`
	Note             string  `json:"note,omitempty"`
}

// parsePIDs reads -cpu-pids: a comma-separated list of process ids (spaces allowed).
func parsePIDs(s string) ([]int, error) {
	var pids []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("-cpu-pids: %q is not a process id", f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

func takeCPU(pids []int) cpuSnapshot {
	s := cpuSnapshot{at: time.Now(), pids: make(map[int]time.Duration, len(pids))}
	if d, err := procCPU(os.Getpid()); err == nil {
		s.self = d
	}
	for _, pid := range pids {
		if d, err := procCPU(pid); err == nil {
			s.pids[pid] = d
		}
	}
	return s
}

// since is the CPU spent from s0 to s; a process seen only at one end is left out and said so.
func (s cpuSnapshot) since(s0 cpuSnapshot) cpuUsage {
	u := cpuUsage{WallSeconds: s.at.Sub(s0.at).Seconds(), GeneratorSeconds: (s.self - s0.self).Seconds()}
	missing := 0
	for pid, d0 := range s0.pids {
		d, ok := s.pids[pid]
		if !ok {
			missing++
			continue
		}
		u.WatchedSeconds += (d - d0).Seconds()
		u.WatchedPIDs++
	}
	if missing > 0 {
		u.Note = fmt.Sprintf("%d watched processes ended during the run and are not counted", missing)
	}
	return u
}

func (u cpuUsage) String(unit string, n int64) string {
	total := u.GeneratorSeconds + u.WatchedSeconds
	s := fmt.Sprintf("CPU over %.2f s: generator %.2f s, %d watched processes %.2f s, together %.2f cores",
		u.WallSeconds, u.GeneratorSeconds, u.WatchedPIDs, u.WatchedSeconds, total/u.WallSeconds)
	if n > 0 {
		s += fmt.Sprintf("; per %s: generator %.1f µs, watched %.1f µs",
			unit, u.GeneratorSeconds/float64(n)*1e6, u.WatchedSeconds/float64(n)*1e6)
		// Without the server's CPU (no -cpu-pids) a projection would count the generator alone.
		if u.WatchedPIDs > 0 && total > 0 {
			s += fmt.Sprintf(" (2 dedicated cores would sustain %.0f/s)", 2*float64(n)/total)
		}
	}
	if u.Note != "" {
		s += " (" + u.Note + ")"
	}
	return s
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times: 100 on every mainstream
// architecture.
const clockTicks = 100

// procCPU is a process's user plus system CPU time from /proc/PID/stat (Linux).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it start past the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// startProfile starts the generator's CPU profile when -cpuprofile is set; the returned stop
// writes it.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
