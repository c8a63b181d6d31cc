// Command etcd is the etcd server, built from the published go.etcd.io/etcd/server/v3 module
// (the upstream main package lives in go.etcd.io/etcd/v3, whose replace directives make
// `go install` refuse it; this is the same two lines).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
