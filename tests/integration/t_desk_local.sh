# With no server configured, guichet runs the embedded default for a
# one-desk office: a guichetd of its own over $XDG_DATA_HOME/guichet,
# created the first time with one administrator whose password is asked,
# and started again, with the same data and without a password, the next
# times.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
export PATH="$(dirname "$GUICHETD"):$PATH" XDG_DATA_HOME=$T/data XDG_STATE_HOME=$T/state \
	XDG_CONFIG_HOME=$T/config USER=camille
printf '%s\n' 'key ?' >"$T/script"

printf 'le mot de passe\nle mot de passe\n' |
	"$GUICHET" --size 24x80 --script "$T/script" >"$T/screen1" 2>"$T/err1"
expect_match "the first start says what it creates" "$(cat "$T/err1")" "guichetd local dans $T/data/guichet"
expect_match "the desk runs on it, as its administrator, online" "$(sed -n 23p "$T/screen1")" \
	'^ camille \(admin\) · absent · en ligne'
expect_eq "...on the help screen the script asked for" "$(sed -n 1p "$T/screen1")" " guichet — Aide"
expect_eq "the data directory is private" "$(stat -c %a "$T/data/guichet")" 700
check "it holds a real database on disk" test -s "$T/data/guichet/guichet.db"
expect_eq "the session token is kept 0600" "$(stat -c %a "$T"/state/guichet/token-*)" 600
check "no local server is left running" sh -c "! pgrep -f '[g]uichetd serve --data $T/data' >/dev/null"

"$GUICHET" --size 24x80 --script "$T/script" </dev/null >"$T/screen2" 2>"$T/err2"
check "the next start asks nothing and runs on the same data" grep -q 'camille (admin)' "$T/screen2"
check "...without creating anything again" sh -c "! grep -q 'crée' '$T/err2'"

rm -rf "$T/data2"
printf 'un\ndeux\n' | XDG_DATA_HOME=$T/data2 "$GUICHET" --size 24x80 --script "$T/script" \
	>/dev/null 2>"$T/err3"
expect_eq "two different passwords create nothing" "$?$(test -e "$T/data2/guichet/guichet.db" && echo db)" 1
expect_match "...and say why" "$(cat "$T/err3")" 'les deux diffèrent'
