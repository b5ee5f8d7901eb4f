package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection for the timed part of a run: it writes
// requests encoded up front and reads the answers with net/http's response parser. It costs a
// fraction of http.Client's CPU per request (no transport goroutines, channels or header
// maps to build), which matters because the generator shares the server's two cores; wrk
// works the same way. A failed request closes the connection and the next one redials.
type rawConn struct {
	addr    string
	dialer  *net.Dialer
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
	body    bytes.Buffer
}

// newRawConn makes connection i of a run (not yet dialled): from loopback source address
// 127.0.0.(1 + i mod -clients) when -clients is above 1.
func newRawConn(c *benchAPIConfig, i int) *rawConn {
	u, _ := url.Parse(c.URL) // checked by parseBenchAPIConfig
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if c.Clients > 1 {
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%c.Clients))}
	}
	return &rawConn{addr: host, dialer: d, timeout: c.Timeout}
}

// rawRequest encodes an HTTP/1.1 request for the run's server: a GET when body is nil, else a
// POST of JSON.
func rawRequest(c *benchAPIConfig, method, path string, body []byte) []byte {
	u, _ := url.Parse(c.URL)
	var b bytes.Buffer
	b.Grow(len(body) + 160)
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: dtaod-bench-api\r\n", method, u.Path+path, u.Host)
	if body != nil {
		b.WriteString("Content-Type: application/json\r\nContent-Length: ")
		b.WriteString(strconv.Itoa(len(body)))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// do sends one encoded request and reads the answer: the status and the body, which stays
// valid until the next call.
func (r *rawConn) do(ctx context.Context, req []byte) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if r.conn == nil {
		conn, err := r.dialer.DialContext(ctx, "tcp4", r.addr)
		if err != nil {
			conn, err = r.dialer.DialContext(ctx, "tcp", r.addr) // an IPv6-only loopback server
		}
		if err != nil {
			return 0, nil, err
		}
		r.conn = conn
		if r.br == nil {
			r.br = bufio.NewReaderSize(r.conn, 64<<10)
		} else {
			r.br.Reset(r.conn)
		}
	}
	if err := r.conn.SetDeadline(time.Now().Add(r.timeout)); err != nil {
		r.close()
		return 0, nil, err
	}
	if _, err := r.conn.Write(req); err != nil {
		r.close()
		return 0, nil, err
	}
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil {
		r.close()
		return 0, nil, err
	}
	r.body.Reset()
	_, err = r.body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		r.close()
	}
	return resp.StatusCode, r.body.Bytes(), err
}

func (r *rawConn) close() {
	if r.conn != nil {
		_ = r.conn.Close()
		r.conn = nil
	}
}
