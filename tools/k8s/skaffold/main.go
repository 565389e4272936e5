// skaffold v2.16.1, built from its Go module: upstream's cmd/skaffold main
// without the Cloud Profiler hook and without the usage-metrics upload at exit
// (this binary only validates and renders; it never phones home).
package main

import (
	"context"
	"errors"
	"os"

	"github.com/GoogleContainerTools/skaffold/v2/cmd/skaffold/app"
)

func main() {
	var code int
	if err := app.Run(os.Stdout, os.Stderr); err != nil && !errors.Is(err, context.Canceled) {
		code = app.ExitCode(err)
	}
	os.Exit(code)
}
