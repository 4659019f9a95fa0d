package ferry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"ferry.dev/client-go/internal/wire"
)

// conn is one TCP (or TLS) connection of a session: the service connection, a resume attempt,
// or the target a session moved to. Its frames are read by one reader goroutine, one frame per
// permit: the engine hands out permits, so a lazy (non-read-ahead) session reads nothing while
// it is idle, and a full row buffer stops reading.
type conn struct {
	nc     net.Conn
	rd     *wire.Reader
	addr   string
	permit chan struct{}
	closed chan struct{}
	once   sync.Once

	// Engine-owned.
	permitted bool // a permit is out: the reader is reading (or will read) one frame
	dead      bool // the reader reported an error or EOF
}

func dialConn(ctx context.Context, address string, o *Options) (*conn, error) {
	d := net.Dialer{Timeout: o.ConnectTimeout}
	nc, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	if o.TLS != nil {
		cfg := o.TLS.Clone()
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(address)
			if err == nil {
				cfg.ServerName = host
			}
		}
		tc := tls.Client(nc, cfg)
		hctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		nc = tc
	}
	return newConn(nc, address, o.MaxFrameLength), nil
}

func newConn(nc net.Conn, address string, maxFrame int) *conn {
	return &conn{
		nc:     nc,
		rd:     wire.NewReader(nc, maxFrame),
		addr:   address,
		permit: make(chan struct{}, 1),
		closed: make(chan struct{}),
	}
}

func (c *conn) write(f wire.Frame, timeout time.Duration) error {
	b, err := wire.Encode(f)
	if err != nil {
		return err
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	_, err = c.nc.Write(b)
	return err
}

func (c *conn) close() {
	c.once.Do(func() {
		close(c.closed)
		c.nc.Close()
	})
}

func (c *conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// readOne reads one frame with a deadline (the handshake, before the reader goroutine runs).
func (c *conn) readOne(ctx context.Context, timeout time.Duration) (wire.Frame, error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.nc.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetReadDeadline(time.Unix(1, 0)) })
	f, err := c.rd.ReadFrame()
	stop()
	c.nc.SetReadDeadline(time.Time{})
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return f, err
}

// connEvent is a frame read from c, or (frame nil) the end of its stream with err.
type connEvent struct {
	c   *conn
	f   wire.Frame
	err error
}

// isDecodeError reports whether err means the server broke the framing or a frame's layout.
func isDecodeError(err error) bool {
	var de *wire.DecodeError
	return errors.As(err, &de) || errors.Is(err, wire.ErrTruncated)
}
