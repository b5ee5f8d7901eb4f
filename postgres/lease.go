package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod/store"
)

// TryProducer tries to take the producer role without waiting: pg_try_advisory_lock on a
// dedicated connection (not from the pool), which the lease keeps until Release. ok is false if
// another session holds the lock, including another lease of this store. The lock goes when the
// session does, so a crashed producer frees the role as soon as PostgreSQL notices the broken
// connection.
func (s *Store) TryProducer(ctx context.Context) (store.Lease, bool, error) {
	s.leaseMu.Lock()
	closed := s.leases == nil
	s.leaseMu.Unlock()
	if closed {
		return nil, false, errors.New("postgres: try producer: store closed")
	}
	cfg := s.connCfg.Copy()
	// If the producer's host or network dies without closing the socket, the server would keep
	// the session (and the lock) until its TCP keepalive gives up, two hours by default; these
	// make it give up in about 10s. (Ignored on Unix sockets, where it is not needed.)
	for k, v := range map[string]string{"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
		"tcp_keepalives_count": "3", "application_name": "dtaod-producer"} {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: try producer: connect: %w", err)
	}
	var got bool
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, producerLockClass, s.lockKey).Scan(&got)
	if err != nil || !got {
		closeConn(conn)
		if err != nil {
			return nil, false, fmt.Errorf("postgres: try producer: %w", err)
		}
		return nil, false, nil
	}
	l := &lease{s: s, conn: conn, key: s.lockKey, pid: conn.PgConn().PID(), stop: make(chan struct{}), done: make(chan struct{})}
	s.leaseMu.Lock()
	if s.leases == nil { // closed meanwhile
		s.leaseMu.Unlock()
		closeConn(conn)
		return nil, false, errors.New("postgres: try producer: store closed")
	}
	s.leases[l] = struct{}{}
	s.leaseMu.Unlock()
	go l.watch(s.opts.pingInterval)
	return l, true, nil
}

// lease is the producer role: a session holding the advisory lock.
type lease struct {
	s    *Store
	key  int32  // the lock's second key (the schema's)
	pid  uint32 // backend pid of conn, which pg_locks lists as the holder
	lost atomic.Bool

	mu   sync.Mutex // serializes use of conn (the watcher's pings, Release)
	conn *pgx.Conn  // nil once released or lost

	once       sync.Once
	stop, done chan struct{}
}

// Lost reports whether the lease is gone: released, or its connection failed a ping (and with
// it, the lock). It never turns false again.
func (l *lease) Lost() bool { return l.lost.Load() }

func (l *lease) markLost() { l.lost.Store(true) }

// watch pings the lease's connection every interval until Release; the first failure marks the
// lease lost and closes the connection (so the lock is surely gone).
func (l *lease) watch(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.conn == nil {
			l.mu.Unlock()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(interval, time.Second))
		err := l.conn.Ping(ctx)
		cancel()
		if err != nil {
			l.markLost()
			closeConn(l.conn)
			l.conn = nil
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
	}
}

// Release gives the role up: it unlocks and closes the lease's connection. Idempotent.
func (l *lease) Release() {
	l.once.Do(func() {
		l.markLost()
		close(l.stop)
		<-l.done
		l.mu.Lock()
		if l.conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, _ = l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, producerLockClass, l.key)
			cancel()
			closeConn(l.conn) // closing alone would free the lock too
			l.conn = nil
		}
		l.mu.Unlock()
		l.s.leaseMu.Lock()
		delete(l.s.leases, l)
		l.s.leaseMu.Unlock()
	})
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = c.Close(ctx)
}
