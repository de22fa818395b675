# Helpers shared by the scripts in this directory (sourced, not run).

# require_postgres_url URL MESSAGE...: go on when URL is postgres:// or postgresql://; otherwise
# print each MESSAGE line to stderr and exit 2.
require_postgres_url() {
  case "$1" in
    postgres://* | postgresql://*) return 0 ;;
  esac
  shift
  printf '%s\n' "$@" >&2
  exit 2
}
