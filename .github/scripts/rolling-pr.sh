#!/usr/bin/env bash
# Commit the changes under PATHS to one bot branch and open, or update, the one pull request
# from it; close that pull request when a run finds nothing to propose. Plain git and gh, so no
# third-party action ever holds the token.
#
# Environment: GH_TOKEN (may push and write pull requests), GH_REPO (owner/name), BRANCH, BASE,
# PATHS (space-separated), TITLE, BODY_FILE, MESSAGE, LABEL; GITHUB_SERVER_URL and
# GITHUB_OUTPUT as set by Actions. PUSH_URL overrides the remote (tests push to a local repo).
set -euo pipefail
: "${GH_TOKEN:?}" "${GH_REPO:?}" "${BRANCH:?}" "${BASE:?}" "${PATHS:?}" "${TITLE:?}" "${BODY_FILE:?}" "${MESSAGE:?}"
LABEL="${LABEL:-bot}"
OUTPUT="${GITHUB_OUTPUT:-/dev/null}"
PUSH_URL="${PUSH_URL:-${GITHUB_SERVER_URL:-https://github.com}/${GH_REPO}.git}"

read -r -a pathspecs <<< "$PATHS"
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git switch --quiet --force-create "$BRANCH"
git add --all -- "${pathspecs[@]}"
open="$(gh pr list --head "$BRANCH" --base "$BASE" --state open --limit 1 --json number --jq '.[0].number // empty')"

if git diff --cached --quiet; then
  echo "nothing to propose"
  if [ -n "$open" ]; then
    gh pr close "$open" --delete-branch --comment "Nothing to propose any more: the latest run found no changes."
  fi
  echo "number=" >> "$OUTPUT"
  exit 0
fi

git commit --quiet --message "$MESSAGE"
# The token travels in a header for this one command and is never written to .git/config.
auth="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GH_TOKEN" | base64 -w0)"
echo "::add-mask::$auth"
git -c "http.extraheader=$auth" push --force --quiet "$PUSH_URL" "HEAD:refs/heads/$BRANCH"

if [ -n "$open" ]; then
  gh pr edit "$open" --title "$TITLE" --body-file "$BODY_FILE" >/dev/null
else
  gh label create "$LABEL" --force --color 0E8A16 --description "Opened by a workflow" >/dev/null
  url="$(gh pr create --base "$BASE" --head "$BRANCH" --title "$TITLE" --body-file "$BODY_FILE" --label "$LABEL")"
  open="${url##*/}"
fi
echo "pull request #$open"
echo "number=$open" >> "$OUTPUT"
