package api

import (
	"hash/maphash"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rateLimiter is a token bucket per client (remote IP): a client may make burst requests at
// once and rate per minute sustained. Every response says where the client stands
// (X-RateLimit-Limit: requests per minute, X-RateLimit-Remaining: requests it may make now,
// X-RateLimit-Reset: seconds until its bucket is full again, on a refusal until it holds one
// request); a refused request is 429 RATE_LIMITED with Retry-After (seconds until one request
// is allowed). Buckets live in shards,
// each behind its own mutex, so concurrent clients rarely contend; idle full buckets are
// dropped.
type rateLimiter struct {
	perMinute int
	rate      float64 // tokens per second
	burst     float64
	trustXFF  bool
	now       func() time.Time
	seed      maphash.Seed
	shards    [64]rlShard
}

type rlShard struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perMinute, burst int, trustXFF bool, now func() time.Time) *rateLimiter {
	l := &rateLimiter{perMinute: perMinute, rate: float64(perMinute) / 60, burst: float64(max(burst, 1)),
		trustXFF: trustXFF, now: now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].buckets = make(map[string]*bucket)
	}
	return l
}

// client is the address a request is counted against.
func (l *rateLimiter) client(r *http.Request) string {
	if l.trustXFF {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := strings.TrimSpace(first); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// take spends one token of client's bucket. It returns whether the request may go on, the
// tokens left, and the times until the bucket holds one token and until it is full.
func (l *rateLimiter) take(client string) (ok bool, left float64, untilOne, untilFull time.Duration) {
	sh := &l.shards[maphash.String(l.seed, client)%uint64(len(l.shards))]
	now := l.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if now.After(sh.sweepAt) {
		full := time.Duration(l.burst / l.rate * float64(time.Second))
		for k, b := range sh.buckets {
			if now.Sub(b.last) >= full {
				delete(sh.buckets, k)
			}
		}
		sh.sweepAt = now.Add(time.Minute)
	}
	b := sh.buckets[client]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		sh.buckets[client] = b
	}
	if dt := now.Sub(b.last); dt > 0 {
		b.tokens = math.Min(l.burst, b.tokens+dt.Seconds()*l.rate)
		b.last = now
	}
	ok = b.tokens >= 1
	if ok {
		b.tokens--
	}
	return ok, b.tokens, l.after(1 - b.tokens), l.after(l.burst - b.tokens)
}

// after is how long the bucket takes to gain tokens (0 if none are needed).
func (l *rateLimiter) after(tokens float64) time.Duration {
	return time.Duration(max(tokens, 0) / l.rate * float64(time.Second))
}

func ceilSeconds(d time.Duration) int64 { return int64(math.Ceil(d.Seconds())) }

func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	limit := strconv.Itoa(l.perMinute)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, left, untilOne, untilFull := l.take(l.client(r))
		h := w.Header()
		h.Set("X-RateLimit-Limit", limit)
		h.Set("X-RateLimit-Remaining", strconv.FormatInt(int64(math.Floor(left)), 10))
		if !ok {
			retry := strconv.FormatInt(max(ceilSeconds(untilOne), 1), 10)
			h.Set("X-RateLimit-Reset", retry)
			h.Set("Retry-After", retry)
			problem(w, http.StatusTooManyRequests, "RATE_LIMITED",
				"too many requests from this client: at most "+limit+" a minute; retry after "+retry+" s")
			return
		}
		h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilSeconds(untilFull), 10))
		next.ServeHTTP(w, r)
	})
}
