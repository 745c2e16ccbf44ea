#!/usr/bin/env bash
# Backup retention for the directory bin/backup writes to; pkkdata-backup.service runs it after each
# successful backup.
#
#   backup-retention.sh [--dry-run] DIR
#
# A backup is a regular file directly in DIR named pkkdata-*.dump or pkkdata-*.sqlite3; its checksum
# file (NAME.sha256, or NAME with .sha256 instead of its extension) goes with it. Nothing else in DIR
# is ever touched: no other names, no symbolic links, no subdirectories.
#
# Kept:
#   - every backup of the last KEEP_DAYS days (default 14);
#   - the first backup day of each month (the 1st when that night's backup ran) for KEEP_MONTHLY_DAYS
#     days (default 366);
#   - the KEEP_NEWEST newest backups (default 14) whatever their age, so that a directory whose
#     backups stopped working is never emptied.
# Everything else is deleted. A backup's day is the local date of the time in its name (bin/backup
# writes pkkdata-<db>-20261205T173000Z.dump, in UTC), or the date in its name (YYYY-MM-DD or
# YYYYMMDD just before the extension), or else the day it was last modified. --dry-run prints what
# would be deleted and deletes nothing.
set -euo pipefail
export LC_ALL=C

KEEP_DAYS=${KEEP_DAYS:-14}
KEEP_MONTHLY_DAYS=${KEEP_MONTHLY_DAYS:-366}
KEEP_NEWEST=${KEEP_NEWEST:-14}

die() {
  echo "backup-retention: $*" >&2
  exit 1
}

dry_run=0
if [[ ${1:-} == --dry-run ]]; then
  dry_run=1
  shift
fi
[[ $# -eq 1 ]] || die "usage: backup-retention.sh [--dry-run] DIR"
for var in KEEP_DAYS KEEP_MONTHLY_DAYS KEEP_NEWEST; do
  [[ ${!var} =~ ^[0-9]+$ ]] || die "$var must be a whole number of days/files, not '${!var}'"
done
[[ -d $1 && ! -L $1 ]] || die "$1 is not a directory"
dir=$(cd -- "$1" && pwd -P)
[[ $dir != / ]] || die "refusing to work on /"

# Whole days between two dates, counted in UTC so that no clock change shifts them.
today_s=$(date -u -d "$(date +%F)" +%s)
utc_re='(20[0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3])([0-5][0-9])([0-5][0-9])Z\.(dump|sqlite3)$'
date_re='(20[0-9]{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12][0-9]|3[01])([T_-][0-9]{4,6}Z?)?\.(dump|sqlite3)$'

# The backups, newest (by modification time) first.
paths=()
while IFS= read -r -d '' entry; do
  paths+=("${entry#*$'\t'}")
done < <(find "$dir" -maxdepth 1 -type f \( -name 'pkkdata-*.dump' -o -name 'pkkdata-*.sqlite3' \) \
  -printf '%T@\t%p\0' | sort -z -r -n)

# The day of each backup, and the first backup day of each month.
declare -A first_of_month=()
days=()
for path in "${paths[@]}"; do
  name=${path##*/}
  day=""
  if [[ $name =~ $utc_re ]]; then
    # The local day of that UTC moment: the backup of 01:30 WITA on the 1st is named after the 30th.
    stamp="${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]} ${BASH_REMATCH[4]}:${BASH_REMATCH[5]}:${BASH_REMATCH[6]}Z"
    day=$(date -d "$stamp" +%F 2>/dev/null) || day=""
  elif [[ $name =~ $date_re ]]; then
    day="${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]}"
  fi
  if [[ -n $day ]] && ! date -u -d "$day" +%s >/dev/null 2>&1; then
    day="" # 2026-02-31 is no date
  fi
  [[ -n $day ]] || day=$(date -r "$path" +%F)
  days+=("$day")
  month=${day:0:7}
  if [[ -z ${first_of_month[$month]:-} || $day < ${first_of_month[$month]} ]]; then
    first_of_month[$month]=$day
  fi
done

remove() {
  if ((dry_run)); then
    echo "would delete $1"
  else
    rm -f -- "$1"
    echo "deleted $1"
  fi
}

kept=0
deleted=0
for i in "${!paths[@]}"; do
  path=${paths[$i]}
  day=${days[$i]}
  age=$(((today_s - $(date -u -d "$day" +%s)) / 86400))
  if ((i < KEEP_NEWEST || age < KEEP_DAYS)); then
    kept=$((kept + 1))
    continue
  fi
  if [[ $day == "${first_of_month[${day:0:7}]}" ]] && ((age < KEEP_MONTHLY_DAYS)); then
    kept=$((kept + 1))
    continue
  fi
  remove "$path"
  for sum in "$path.sha256" "${path%.*}.sha256"; do
    if [[ -f $sum && ! -L $sum ]]; then
      remove "$sum"
    fi
  done
  deleted=$((deleted + 1))
done

note=""
((dry_run)) && note=" (dry run)"
echo "backup-retention: $dir: $kept backups kept, $deleted deleted$note"
