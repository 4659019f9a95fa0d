package ferry

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"ferry.dev/client-go/internal/wire"
)

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ferry test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestTLSSessionAndMigration(t *testing.T) {
	cert, pool := testCert(t)
	srvCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	src, dst := newTLSFakeServer(t, srvCfg), newTLSFakeServer(t, srvCfg)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen, WithTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	ch := goExecute(s, "PING")
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Row{RequestID: c.RequestID, Data: []byte("PONG")}, &wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal, RowCount: 1})
	if r := waitExec(t, ch); r.err != nil || rowStrings(r.res.Rows)[0] != "PONG" {
		t.Fatalf("%v %v", r.res, r.err)
	}
	// The target is reached over TLS too.
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	waitMigration(t, migrated)
	if s.Server() != "s2" {
		t.Fatal(s.Server())
	}
}

func TestTLSUntrustedServer(t *testing.T) {
	cert, _ := testCert(t)
	_, otherPool := testCert(t)
	src := newTLSFakeServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	go func() {
		// The handshake fails on the client; the server side just drops the connection.
		select {
		case c := <-src.conns:
			c.Close()
		case <-time.After(waitLimit):
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_, err := Dial(ctx, src.addr, WithTLS(&tls.Config{RootCAs: otherPool}))
	if !errors.Is(err, ErrConnectionFailed) {
		t.Fatalf("got %v", err)
	}
}
