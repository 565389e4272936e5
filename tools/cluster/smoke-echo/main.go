// smoke-echo is the workload of the cluster's smoke check:
//
//	smoke-echo serve :8080    answers every request with "<hostname>\n"
//	smoke-echo lookup NAME    prints NAME's addresses, through the pod's resolv.conf
//	smoke-echo get URL        prints the body of GET URL; exits 1 on a non-2xx
//	smoke-echo -v             prints its version
//
// Go's own resolver reads the /etc/resolv.conf the kubelet wrote, so lookup
// goes to the cluster DNS exactly as an application in the pod would.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is stamped by the build (-X main.version=...).
var version = "dev"

func main() {
	if len(os.Args) < 2 {
		fail("usage: smoke-echo serve ADDR | lookup NAME | get URL | -v")
	}
	switch os.Args[1] {
	case "-v":
		fmt.Println(version)
	case "serve":
		serve(arg(2))
	case "lookup":
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupHost(ctx, arg(2))
		if err != nil {
			fail(err.Error())
		}
		for _, a := range addrs {
			fmt.Println(a)
		}
	case "get":
		client := http.Client{Timeout: 5 * time.Second}
		res, err := client.Get(arg(2))
		if err != nil {
			fail(err.Error())
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Print(string(body))
		if res.StatusCode/100 != 2 {
			fail(res.Status)
		}
	default:
		fail("unknown command " + os.Args[1])
	}
}

func serve(addr string) {
	host, _ := os.Hostname()
	srv := &http.Server{
		Addr:              addr,
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintln(w, host)
		}),
	}
	// Finish in-flight requests on SIGTERM, as a pod being scaled in should.
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		fail(err.Error())
	}
}

func arg(i int) string {
	if len(os.Args) <= i {
		fail("missing argument")
	}
	return os.Args[i]
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}
