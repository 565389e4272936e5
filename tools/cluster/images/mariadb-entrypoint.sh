#!/bin/bash
# Entrypoint of the cluster's local MariaDB image (Debian bookworm's
# mariadb-server, the MariaDB the local stack runs), standing in for the
# official image the chart's in-cluster MariaDB names. It does what the chart
# needs of the official entrypoint: on an empty data directory, create the
# system tables, give root the password MARIADB_ROOT_PASSWORD and source
# /docker-entrypoint-initdb.d/*.sh (run *.sql) with `docker_process_sql`
# defined; then run mariadbd with its arguments. It runs as any UID that owns
# or may write /var/lib/mysql, /run/mysqld and /tmp: the root filesystem may be
# read-only.
set -euo pipefail

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
# Debian's /etc/mysql is ignored: the same settings as the local stack.
opts=(
  --no-defaults
  --datadir="$datadir"
  --socket="$socket"
  --pid-file=/run/mysqld/mysqld.pid
  --tmpdir=/tmp
  --skip-name-resolve
  --innodb-buffer-pool-size=64M
  --max-connections=200
  --character-set-server=utf8mb4
  --collation-server=utf8mb4_unicode_ci
)

root_password=""
docker_process_sql() {
  MYSQL_PWD="$root_password" mariadb --no-defaults --protocol=socket --socket="$socket" -uroot "$@"
}

if [[ ! -d "$datadir/mysql" ]]; then
  : "${MARIADB_ROOT_PASSWORD:?is required}"
  echo "entrypoint: initializing $datadir" >&2
  mariadb-install-db --no-defaults --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >/dev/null
  mariadbd "${opts[@]}" --skip-networking &
  pid=$!
  for _ in $(seq 120); do
    if mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1; then break; fi
    kill -0 "$pid" 2>/dev/null || {
      echo "entrypoint: mariadbd exited during initialization" >&2
      exit 1
    }
    sleep 0.5
  done
  password="${MARIADB_ROOT_PASSWORD//\\/\\\\}"
  password="${password//\'/\'\'}"
  docker_process_sql --database=mysql <<SQL
DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
CREATE USER 'root'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  root_password="$MARIADB_ROOT_PASSWORD"
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        echo "entrypoint: sourcing $f" >&2
        # shellcheck disable=SC1090
        . "$f"
        ;;
      *.sql)
        echo "entrypoint: running $f" >&2
        docker_process_sql <"$f"
        ;;
    esac
  done
  MYSQL_PWD="$root_password" mariadb-admin --no-defaults --socket="$socket" -uroot shutdown
  wait "$pid" || true
  echo "entrypoint: initialized" >&2
fi

exec mariadbd "${opts[@]}" "$@"
