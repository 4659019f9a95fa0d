package ferry_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"ferry.dev/client-go/ferry"
)

// Open a session, run commands, and stream a result; the session follows migrations on its own.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := ferry.Dial(ctx, "127.0.0.1:7000",
		ferry.WithClientName("example"),
		ferry.WithMigrationListener(func(e ferry.MigrationEvent) {
			log.Printf("moved from %s to %s in %v", e.FromServer, e.ToServer, e.Pause)
		}))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if _, err := s.Execute(ctx, "SET colour blue"); errors.Is(err, ferry.ErrCommandFailed) {
		log.Fatal(err)
	}
	rows, err := s.Query(ctx, "STREAM 10")
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		fmt.Println(rows.Row().Seq, rows.Row().String())
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("on", s.Server(), "after", s.Migrations(), "migrations")
}
