#!/usr/bin/env bash
# Looks at training as a user would: starts the AppHost (redis-server, 2 silos, the trainer that submits
# examples/fashion-mnist-mlp.json through the CLI, Aspire's dashboard on http://127.0.0.1:15888), waits for the
# trainer's job to finish, opens the dashboard's metrics page of the Autograd.Cluster meter's loss in headless
# Chromium, checks that the loss curve is drawn, and saves a screenshot; then opens a train.step trace and checks that
# its spans come from both silos (screenshot <out>-trace.png).
#
#   scripts/dashboard-screenshot.sh [out.png]      (default: artifacts/dashboard-loss.png)
#
# Needs /usr/bin/redis-server, /usr/bin/chromium (Debian's chromium package), node and npm (playwright-core is
# installed into a cache folder, without a browser download), the Fashion-MNIST files (scripts/install-dataset.sh or
# Debian's dataset-fashion-mnist), and ports 15888, 16031 and 16032 free. Exits non-zero when any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-artifacts/dashboard-loss.png}"
mkdir -p "$(dirname "$out")"
work="$(mktemp -d -t dashboard-screenshot.XXXXXX)"
log="$work/apphost.log"
model_dir="${TMPDIR:-/tmp}/autograd-trainer"
model="$model_dir/fashion-mnist-mlp.safetensors"
playwright="${XDG_CACHE_HOME:-$HOME/.cache}/autograd-dashboard-screenshot"
chromium="${CHROMIUM:-/usr/bin/chromium}"

for tool in /usr/bin/redis-server "$chromium" node npm dotnet; do
  command -v "$tool" >/dev/null || { echo "dashboard-screenshot: $tool is missing" >&2; exit 1; }
done

if [[ ! -d "$playwright/node_modules/playwright-core" ]]; then
  echo "dashboard-screenshot: installing playwright-core into $playwright"
  npm install --prefix "$playwright" --no-save --no-audit --no-fund playwright-core@1.65.1 >"$work/npm.log" 2>&1 ||
    { cat "$work/npm.log" >&2; exit 1; }
fi

echo "dashboard-screenshot: building the AppHost"
dotnet build src/AppHost -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 1; }

rm -f "$model"
echo "dashboard-screenshot: starting the AppHost (log: $log)"
setsid dotnet run --project src/AppHost -c Release --no-build --launch-profile http >"$log" 2>&1 &
apphost=$!
stop() {
  # SIGTERM (a script's background job ignores SIGINT): the AppHost shuts down, and DCP stops redis-server, the silos
  # and the trainer.
  kill -TERM -- "-$apphost" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$apphost" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$apphost" 2>/dev/null || true
  # DCP stops the resources on its own once the AppHost is gone; wait for the dashboard port so a rerun can bind it.
  for _ in $(seq 60); do (exec 3<>/dev/tcp/127.0.0.1/15888) 2>/dev/null || break; sleep 1; done
}
trap 'stop; rm -rf "$work"' EXIT

login=""
for _ in $(seq 120); do
  login="$(grep -o 'http://127.0.0.1:15888/login?t=[0-9a-f]*' "$log" | head -1 || true)"
  [[ -n "$login" ]] && break
  kill -0 "$apphost" 2>/dev/null || { cat "$log" >&2; echo "dashboard-screenshot: the AppHost exited" >&2; exit 1; }
  sleep 1
done
[[ -n "$login" ]] || { cat "$log" >&2; echo "dashboard-screenshot: no dashboard login URL after 120 s" >&2; exit 1; }

echo "dashboard-screenshot: dashboard up; waiting for the trainer's job (model file $model)"
for _ in $(seq 600); do
  [[ -s "$model" ]] && break
  kill -0 "$apphost" 2>/dev/null || { cat "$log" >&2; echo "dashboard-screenshot: the AppHost exited" >&2; exit 1; }
  sleep 1
done
[[ -s "$model" ]] || { echo "dashboard-screenshot: the trainer wrote no model in 10 minutes" >&2; exit 1; }

# The silos export metrics every few seconds: give the last step's points time to arrive.
sleep 5
PLAYWRIGHT_PREFIX="$playwright" CHROMIUM="$chromium" node scripts/dashboard-screenshot.mjs "$login" "$out"
