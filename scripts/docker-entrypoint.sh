#!/bin/sh
# The image's entry point.
#   serve [options]     bring the index in line with KB_CONTENT_DIR, then run `kb serve` as PID 1
#   index|search|eval|settings|calibrate ...   that `kb` command
#   anything else       run as given (e.g. `sh`)
set -eu

case "${1:-serve}" in
serve)
    [ "$#" -gt 0 ] && shift
    # Incremental: articles whose files are unchanged are reused, so the shipped content costs a
    # moment; a mounted folder is indexed for real. A content folder that cannot be indexed stops
    # the container here with kb's one-line error, rather than serving stale or default articles.
    kb index
    exec kb serve "$@"
    ;;
index | search | eval | settings | calibrate | --help)
    exec kb "$@"
    ;;
*)
    exec "$@"
    ;;
esac
