# Sourced: puts the Go toolchain on PATH when the shell lacks it. Go's release
# tarball installs to /usr/local/go (this machine's image does too), which a
# shell started with a minimal PATH (env -i, some CI runners) does not search.
if ! command -v go >/dev/null 2>&1; then
  for _go_dir in /usr/local/go/bin /usr/lib/go/bin "$HOME/go/bin"; do
    if [[ -x "$_go_dir/go" ]]; then
      PATH="$_go_dir:$PATH"
      export PATH
      break
    fi
  done
  unset _go_dir
fi
