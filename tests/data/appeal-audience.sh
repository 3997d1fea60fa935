# Sourced by tests/e2e/21-check.sh and 22-preview.sh after lib.sh, in a
# workspace: the audience the check and preview tests expect.
#   supporters: 15 reachable (en 3, fr 2, es 2, ar 1, ar-MA 1, ru 1,
#               fa 2, pt-BR 2, no language 1; one with consent "no"),
#               and 2 suppressed (gone, blocked)
#   partners:   2 (en, fr), trusted
#   lapsed:     1, suppressed
d="$TOCSIN_SRC/tests/data"
"$TOCSIN" --quiet import supporters "$d/appeal-supporters.csv" >/dev/null
"$TOCSIN" --quiet import partners "$d/appeal-partners.csv" >/dev/null
"$TOCSIN" --quiet import lapsed "$d/appeal-lapsed.csv" >/dev/null
"$TOCSIN" --quiet suppress gone@example.fr >/dev/null
"$TOCSIN" --quiet suppress blocked@example.org >/dev/null
"$TOCSIN" --quiet lists --trust partners >/dev/null
