#!/usr/bin/env bash
# make deploy-check: the production install of README.md ("Production"), for real.
#
# Runs the README's blocks marked `<!-- deploy-check: … -->` literally, with a temporary
# folder in place of /opt/servicedesk, /etc/servicedesk and /srv/servicedesk, on a
# PostgreSQL database and Redis of its own; then starts the processes exactly as the
# systemd units in deploy/systemd/ say (web with 4 gunicorn workers, one Celery worker,
# one beat), puts nginx with deploy/nginx/ in front when nginx is installed, and checks
# the site: /healthz, login, portal home, boards, API docs, admin and every static file.
# A second beat must refuse to start. Everything it started is stopped at the end.
#
#   DEPLOY_CHECK_DATABASE_URL  default: DATABASE_URL (when PostgreSQL) + "_deploy_check",
#                              else postgres://postgres@127.0.0.1:5432/servicedesk_deploy_check
#                              (dropped and created again: a database of its own)
#   DEPLOY_CHECK_REDIS_URL     default: REDIS_URL, else redis://127.0.0.1:6379/0 (every key
#                              the check writes carries its own prefix; only those are deleted)
#   DEPLOY_CHECK_PORT          default 8150 (web); +1 nginx HTTPS, +2 nginx HTTP
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) DB_DEFAULT="${DATABASE_URL}_deploy_check" ;;
  *) DB_DEFAULT="postgres://postgres@127.0.0.1:5432/servicedesk_deploy_check" ;;
esac
DB_URL=${DEPLOY_CHECK_DATABASE_URL:-$DB_DEFAULT}
REDIS_URL_CHECK=${DEPLOY_CHECK_REDIS_URL:-${REDIS_URL:-redis://127.0.0.1:6379/0}}
PORT=${DEPLOY_CHECK_PORT:-8150}
DB_NAME=${DB_URL##*/}
DB_ADMIN_URL=${DB_URL%/*}/postgres
KEY_PREFIX="deploy-check-$$:"
T=$(mktemp -d /tmp/servicedesk-deploy-check.XXXXXX)
START=$SECONDS
PIDS=()

say() { printf '\n==> [%3ss] %s\n' "$((SECONDS - START))" "$*"; }
fail() { printf '\n✘ 部署检查失败：%s\n' "$*" >&2; exit 1; }

cleanup() {
  local status=$?
  say "停止启动的进程，删除检查用的数据库、Redis 键和临时目录"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 60); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.5
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  echo "    [$((SECONDS - START))s] 进程已停止"
  if [ "$status" -ne 0 ]; then
    for log in "$T"/logs/*.log; do
      [ -f "$log" ] && { echo "--- $log (last lines)"; tail -n 40 "$log"; }
    done
  fi
  redis-cli -u "$REDIS_URL_CHECK" --scan --pattern "${KEY_PREFIX}*" 2>/dev/null \
    | xargs -r redis-cli -u "$REDIS_URL_CHECK" del >/dev/null 2>&1 || true
  psql -q "$DB_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  echo "    [$((SECONDS - START))s] 数据库和 Redis 键已删除"
  rm -rf "$T"
  echo "    完成（共 $((SECONDS - START)) 秒）"
  exit "$status"
}
trap cleanup EXIT

# The README's paths, in the temporary folder.
localize() {
  sed -e "s#/opt/servicedesk#$T/opt#g" -e "s#/etc/servicedesk#$T/etc#g" \
      -e "s#/srv/servicedesk#$T/srv#g"
}
# The ```sh block after `<!-- deploy-check: NAME -->` in README.md.
readme_block() {
  awk -v mark="<!-- deploy-check: $1 -->" '
    $0 == mark { found = 1; next }
    found && /^```sh/ { inside = 1; next }
    inside && /^```/ { exit }
    inside { print }
  ' README.md
}
# ExecStart= of a unit file, with systemd's %H and the paths made local.
unit_exec() {
  sed -n 's/^ExecStart=//p' "deploy/systemd/$1.service" | sed -e "s/%H/$(hostname)/g" | localize
}
# Run a unit's command as systemd would: its settings file, working folder, state folder.
start_unit() {
  local name=$1 cmd
  cmd=$(unit_exec "$name")
  [ -n "$cmd" ] || fail "deploy/systemd/$name.service 没有 ExecStart"
  (
    set -a; . "$T/etc/servicedesk.env"; set +a
    export STATE_DIRECTORY="$T/state"
    cd "$T/opt/app"
    eval "exec $cmd"
  ) >"$T/logs/$name.log" 2>&1 &
  PIDS+=($!)
  echo "    $name (pid $!): $cmd"
}

mkdir -p "$T/opt/app" "$T/etc" "$T/srv/media" "$T/state" "$T/logs"

say "代码复制到 $T/opt/app（工作区中受版本控制的文件）"
git ls-files -z --cached --others --exclude-standard \
  | (cd "$REPO" && xargs -0 cp --parents -t "$T/opt/app" 2>/dev/null || true)
[ -f "$T/opt/app/manage.py" ] || fail "复制代码失败"

say "新建数据库 $DB_NAME"
psql -q "$DB_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1
psql -q "$DB_ADMIN_URL" -c "CREATE DATABASE \"$DB_NAME\"" >/dev/null
redis-cli -u "$REDIS_URL_CHECK" ping >/dev/null || fail "Redis 不可用：$REDIS_URL_CHECK"

say "设置文件 $T/etc/servicedesk.env（deploy/servicedesk.env.example 的变量）"
ADMIN_PASSWORD="Deploy-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ADMIN_PASSWORD
cat >"$T/etc/servicedesk.env" <<EOF
DJANGO_SETTINGS_MODULE=servicedesk.settings.production
SECRET_KEY=$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')
CREDENTIAL_KEYS=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')
ALLOWED_HOSTS=127.0.0.1,localhost
CSRF_TRUSTED_ORIGINS=https://127.0.0.1:$((PORT + 1))
SITE_URL=https://127.0.0.1:$((PORT + 1))
SECURE_TRANSPORT=true
TRUST_X_FORWARDED_FOR=true
DATABASE_URL=$DB_URL
CELERY_BROKER_URL=$REDIS_URL_CHECK
REDIS_KEY_PREFIX=$KEY_PREFIX
CACHE_URL=$REDIS_URL_CHECK
CACHE_KEY_PREFIX=${KEY_PREFIX}cache
STATIC_ROOT=$T/opt/static
MEDIA_STORAGE=filesystem
MEDIA_ROOT=$T/srv/media
WEB_BIND=127.0.0.1:$PORT
WEB_WORKERS=4
WORKER_CONCURRENCY=2
EOF
chmod 600 "$T/etc/servicedesk.env"
grep -q '^WEB_WORKERS=4$' "$T/etc/servicedesk.env"
# The check's settings must name the same variables as the template operators copy.
for var in $(sed -n 's/^\([A-Z_]*\)=.*/\1/p' deploy/servicedesk.env.example); do
  grep -q "^$var=" "$T/etc/servicedesk.env" || fail "servicedesk.env.example 的 $var 未在检查中设置"
done

say "README「3. Install, migrate, first administrator」原样执行"
install_script=$(readme_block install | localize)
[ -n "$install_script" ] || fail "README.md 中没有 deploy-check: install 代码块"
printf '%s\n' "$install_script" | sed 's/^/    $ /'
# Unset what the development environment may have set: the settings file decides.
env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL -u DJANGO_SETTINGS_MODULE \
  -u VIRTUAL_ENV -u PYTHONPATH -u CI \
  bash -euo pipefail -c "PS4='+ [\$SECONDS s] '; set -x; $install_script" >"$T/logs/install.log" 2>&1 \
  || { tail -n 60 "$T/logs/install.log"; fail "安装步骤出错"; }
grep -E "^(\+ \[|Successfully installed|Administrator|管理员|标准工作日历)" "$T/logs/install.log" \
  | cut -c1-160 | sed 's/^/    /' || true

say "生产环境只装运行所需的包"
installed=$("$T/opt/venv/bin/pip" list --format=freeze | tr 'A-Z_' 'a-z-')
for dev in pytest pytest-django playwright ruff hypothesis factory-boy; do
  if grep -q "^$dev==" <<<"$installed"; then fail "生产环境装了开发用的 $dev"; fi
done
for need in gunicorn django celery psycopg2-binary whitenoise; do
  grep -q "^$need==" <<<"$installed" || fail "生产环境缺少 $need"
done
echo "    $(wc -l <<<"$installed") 个包；没有 pytest、playwright、ruff、hypothesis、factory_boy"

say "按 deploy/systemd 的单元文件启动 web（4 个 gunicorn worker）、worker、beat"
start_unit servicedesk-web
start_unit servicedesk-worker
start_unit servicedesk-beat
for _ in $(seq 1 120); do
  (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.5
done
(echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || fail "web 没有在 127.0.0.1:$PORT 上监听"
sleep 2
gunicorn_workers=$(pgrep -P "${PIDS[0]}" | wc -l)
echo "    gunicorn worker 进程：$gunicorn_workers"
[ "$gunicorn_workers" -eq 4 ] || fail "应有 4 个 gunicorn worker，实际 $gunicorn_workers"

URL="http://127.0.0.1:$PORT"
CHECK_ARGS=(--forwarded-proto https)
if command -v nginx >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
  say "nginx（deploy/nginx）在前，TLS 自签名证书，127.0.0.1:$((PORT + 1))"
  mkdir -p "$T/nginx/tmp" "$T/nginx/tls"
  # nginx's workers run as nobody: they may need to buffer large responses on disk.
  chmod 755 "$T" "$T/nginx" && chmod 1777 "$T/nginx/tmp"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$T/nginx/tls/desk.example.com.key" -out "$T/nginx/tls/desk.example.com.crt" \
    >/dev/null 2>&1
  cp deploy/nginx/servicedesk-proxy.conf "$T/nginx/"
  site=$(sed -e "/server 10\.0\.0\.12:8000/d" \
    -e "s#server 10\.0\.0\.11:8000[^;]*;#server 127.0.0.1:$PORT;#" \
    -e "s#listen 443 ssl#listen 127.0.0.1:$((PORT + 1)) ssl#" \
    -e "s#listen 80;#listen 127.0.0.1:$((PORT + 2));#" \
    -e "s#/etc/nginx/tls/#$T/nginx/tls/#g" -e "s#/etc/nginx/snippets/#$T/nginx/#g" \
    deploy/nginx/servicedesk.conf)
  cat >"$T/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/logs/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $T/logs/nginx-access.log;
  client_body_temp_path $T/nginx/tmp/body;
  proxy_temp_path $T/nginx/tmp/proxy;
  fastcgi_temp_path $T/nginx/tmp/fastcgi;
  uwsgi_temp_path $T/nginx/tmp/uwsgi;
  scgi_temp_path $T/nginx/tmp/scgi;
$site
}
EOF
  nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" || fail "nginx 配置无效"
  nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -g "daemon off;" >"$T/logs/nginx.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 40); do
    (echo >"/dev/tcp/127.0.0.1/$((PORT + 1))") 2>/dev/null && break
    sleep 0.25
  done
  URL="https://127.0.0.1:$((PORT + 1))"
  CHECK_ARGS=()
  export SSL_CERT_FILE="$T/nginx/tls/desk.example.com.crt"
  redirect=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$((PORT + 2))/" || true)
  echo "    http://127.0.0.1:$((PORT + 2))/ → $redirect"
  [[ $redirect == "301 https://"* ]] || fail "nginx 没有把 HTTP 转到 HTTPS"
elif [ "${CI:-}" = "true" ]; then
  fail "CI=true 但没有安装 nginx"
else
  say "未安装 nginx：直接检查 gunicorn（带 X-Forwarded-Proto: https，如同在 nginx 之后）"
fi

say "站点检查 $URL：/healthz、登录、门户首页、看板、API 文档、管理后台、全部静态文件"
(
  set -a; . "$T/etc/servicedesk.env"; set +a
  cd "$T/opt/app"
  "$T/opt/venv/bin/python" manage.py site_check "$URL" "${CHECK_ARGS[@]}" --wait-healthy 120
) || fail "站点检查未通过"

say "第二个 beat 必须拒绝启动"
second=$(unit_exec servicedesk-beat)
set +e
(
  set -a; . "$T/etc/servicedesk.env"; set +a
  export STATE_DIRECTORY="$T/state2"
  mkdir -p "$STATE_DIRECTORY"
  cd "$T/opt/app"
  eval "exec timeout 90 $second"
) >"$T/logs/second-beat.log" 2>&1
code=$?
set -e
grep -m1 "Celery beat" "$T/logs/second-beat.log" | sed 's/^/    /' || true
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] || fail "第二个 beat 没有拒绝启动（退出码 $code）"
grep -q "已有另一个 Celery beat 在运行" "$T/logs/second-beat.log" || fail "第二个 beat 没有说明原因"
kill -0 "${PIDS[2]}" 2>/dev/null || fail "第一个 beat 不应退出"

say "通过：生产安装、进程、站点和唯一 beat 均符合 README（用时 $((SECONDS - START)) 秒）"
