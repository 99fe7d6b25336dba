#!/usr/bin/env bash
# Keep one open issue per LABEL: open it, or update its body, from BODY_FILE; close it when
# BODY_FILE is empty or missing (the problem went away).
#
# Environment: GH_TOKEN (may write issues), GH_REPO (owner/name), LABEL, TITLE, BODY_FILE;
# RUN_URL (optional) is quoted when the issue is closed.
set -euo pipefail
: "${GH_TOKEN:?}" "${GH_REPO:?}" "${LABEL:?}" "${TITLE:?}" "${BODY_FILE:?}"

gh label create "$LABEL" --force --color B60205 --description "Kept up to date by a workflow" >/dev/null
open="$(gh issue list --state open --label "$LABEL" --limit 1 --json number --jq '.[0].number // empty')"
if [ -s "$BODY_FILE" ]; then
  if [ -n "$open" ]; then
    gh issue edit "$open" --body-file "$BODY_FILE" >/dev/null
    echo "updated issue #$open"
  else
    gh issue create --title "$TITLE" --label "$LABEL" --body-file "$BODY_FILE"
  fi
elif [ -n "$open" ]; then
  gh issue close "$open" --comment "Nothing to report any more${RUN_URL:+ ($RUN_URL)}."
  echo "closed issue #$open"
fi
