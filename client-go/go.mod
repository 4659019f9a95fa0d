module ferry.dev/client-go

go 1.22
