#!/usr/bin/env bash
# Property-based fuzzing of the JSON API with schemathesis, as a strict client of openapi.yaml, against a
# running server with demo data. Runs as the city officer and the city administrator (between them every
# operation has a caller allowed to perform it), a county officer and an enterprise account (what a
# narrower scope answers), with every check: no server error, only documented status codes, content
# types and headers, responses that match the document, no schema-violating request accepted
# (negative_data_rejection) and no schema-valid request refused (positive_data_acceptance; the
# refusals no schema can state are listed per operation in e2e/schemathesis.toml). Fails on any of
# them, and when fewer than ZHIBEN_FUZZ_MIN requests were generated in all.
#
# The seed changes per run and is printed; ZHIBEN_FUZZ_SEED=<seed> replays a run.
#
# Two operations are left out, because they end the fuzzer's own sign-in: DELETE /session (sign out)
# and POST /users/{id}/password (an administrator's reset signs that account out everywhere). The
# alarm stream is left out too: it never ends by design (its own tests read it).
#
# usage: ZHIBEN_URL=http://127.0.0.1:8080 ZHIBEN_DEMO_PASSWORD=… e2e/fuzz_api.sh
set -euo pipefail
URL=${ZHIBEN_URL:-http://127.0.0.1:8080}
SEED=${ZHIBEN_FUZZ_SEED:-$(python3 -c "import secrets; print(secrets.randbelow(10**9))")}
EXAMPLES=${ZHIBEN_FUZZ_EXAMPLES:-10}
MIN=${ZHIBEN_FUZZ_MIN:-3000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
total=0
signin() {
  curl -fsS -X POST "$URL/api/v1/session" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$ZHIBEN_DEMO_PASSWORD\"}" | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])'
}
# The first demo enterprise's account, as the administrator lists it.
company=$(curl -fsS -H "Authorization: Bearer $(signin admin)" "$URL/api/v1/users?role=enterpriseUser&per=1" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["items"][0]["username"])')
for user in city admin county-141181 "$company"; do
  token=$(signin "$user")
  echo "fuzzing as $user (seed $SEED, up to $EXAMPLES examples per operation and phase)"
  status=0
  st --config-file "$(dirname "$0")/schemathesis.toml" run "$URL/api/v1/openapi.yaml" --url "$URL/api/v1" \
    -H "Authorization: Bearer $token" --checks all \
    --exclude-path /session --exclude-path '/users/{id}/password' --exclude-path /alarms/stream \
    --phases examples,coverage,fuzzing,stateful -n "$EXAMPLES" --seed "$SEED" --no-color \
    --warnings off >"$OUT/$user.log" 2>&1 || status=$?
  tail -n 25 "$OUT/$user.log"
  if [ "$status" -ne 0 ]; then cat "$OUT/$user.log"; echo "schemathesis failed as $user; replay with ZHIBEN_FUZZ_SEED=$SEED"; exit 1; fi
  n=$(grep -oE '^ *[0-9]+ generated' "$OUT/$user.log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  total=$((total + n))
done
echo "API fuzzing: $total generated requests, 0 failures (seed $SEED)"
if [ "$total" -lt "$MIN" ]; then echo "fewer than $MIN requests were generated"; exit 1; fi
