#!/bin/sh
# check: the sample appeal can be sent (with its warnings), and each
# broken appeal in tests/data/appeals reports exactly its problems.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"
need python3

ws=$(workspace)
cp -r "$TOCSIN_SRC/templates" "$ws/"
cp -r "$TOCSIN_SRC/tests/data/templates/broken" "$ws/templates/"
cp -r "$TOCSIN_SRC/tests/data/appeals" "$ws/"
cp -r "$TOCSIN_SRC/cases" "$ws/"
cd "$ws"
. "$TOCSIN_SRC/tests/data/appeal-audience.sh"

# check --json APPEAL, expecting exit status $2; then the error codes
# (sorted) in $E2E_TMP/errors and the warning codes in $E2E_TMP/warnings
check_json() {
    expect_rc "$2" check --json "$1"
    python3 - "$E2E_TMP/out" "$E2E_TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] == (len(d["errors"]) == 0), "ok disagrees with errors"
for kind in ("errors", "warnings"):
    for p in d[kind]:
        assert set(p) == {"code", "message"}, p
    with open(sys.argv[2] + "/" + kind, "w") as f:
        f.write(" ".join(sorted(p["code"] for p in d[kind])))
    with open(sys.argv[2] + "/" + kind + ".txt", "w") as f:
        f.write("".join(p["message"] + "\n" for p in d[kind]))
PY
}

note "the sample appeal can be sent, with its warnings"
expect_rc 0 check cases/example.json
assert_grep '^cases/example.json can be sent \(5 warnings\)$' "$E2E_TMP/out"
assert_grep '^warning: language_fallback: 2 subscribers with language fa will get en$' "$E2E_TMP/out"
assert_grep '^warning: language_fallback: 2 subscribers with language pt-BR will get es$' "$E2E_TMP/out"
assert_grep '^warning: language_fallback: 1 subscriber without a language will get en$' "$E2E_TMP/out"
assert_grep '^warning: language_fallback: 1 subscriber with language ar-MA will get ar$' "$E2E_TMP/out"
assert_grep '^warning: no_consent: 1 subscriber on the lists has consent' "$E2E_TMP/out"
check_json cases/example.json 0
assert_eq "$(cat "$E2E_TMP/errors")" "" "sample errors"
assert_eq "$(cat "$E2E_TMP/warnings")" \
    "language_fallback language_fallback language_fallback language_fallback no_consent" \
    "sample warnings"

note "a language without template, case or petition text"
check_json appeals/missing-language.json 65
assert_eq "$(cat "$E2E_TMP/errors")" \
    "missing_case missing_petition missing_petition missing_petition missing_template"
assert_eq "$(cat "$E2E_TMP/warnings")" "case_fallback"
assert_grep '^appeals/missing-language.json: case.de: missing$' "$E2E_TMP/errors.txt"
assert_grep '^appeals/missing-language.json: petition.title.de: missing$' "$E2E_TMP/errors.txt"
assert_grep '^appeals/missing-language.json: petition.text.de: missing$' "$E2E_TMP/errors.txt"
assert_grep 'templates/urgent-appeal/de.md: No such file' "$E2E_TMP/errors.txt"
assert_grep '^appeals/missing-language.json: fr: case.date, case.background taken from en$' \
    "$E2E_TMP/warnings.txt"

note "tags, links and subjects, one broken language each"
check_json appeals/broken-templates.json 65
assert_eq "$(cat "$E2E_TMP/errors")" \
    "missing_sign_link missing_unsubscribe_link subject_empty subject_too_long unresolved_tag"
assert_grep 'templates/broken/fr.md:5: \{\{case.nosuch\}\}' "$E2E_TMP/errors.txt"
assert_grep 'templates/broken/es.md: no \{\{sign_url\}\} in the text part$' "$E2E_TMP/errors.txt"
assert_grep 'templates/broken/ar.md: the subject has 165 characters \(at most 150\)$' \
    "$E2E_TMP/errors.txt"
assert_grep 'templates/broken/ru.md: empty subject$' "$E2E_TMP/errors.txt"

note "lists: missing, empty, not trusted for a restricted appeal"
check_json appeals/lists.json 65
assert_eq "$(cat "$E2E_TMP/errors")" \
    "list_empty list_missing list_untrusted list_untrusted"
assert_grep '^list "nosuch" does not exist' "$E2E_TMP/errors.txt"
assert_grep '^list "lapsed" has nobody to mail \(1 member, none' "$E2E_TMP/errors.txt"
assert_grep '^restricted appeal: list "supporters" is not trusted' "$E2E_TMP/errors.txt"
assert_no_grep 'list "partners"' "$E2E_TMP/errors.txt"
expect_rc 0 lists --trust supporters
check_json appeals/lists.json 65
assert_eq "$(cat "$E2E_TMP/errors")" "list_empty list_missing list_untrusted"
assert_no_grep 'supporters' "$E2E_TMP/errors.txt"

note "dates"
check_json appeals/expired.json 65
assert_eq "$(cat "$E2E_TMP/errors")" "expired"
assert_grep 'not_after 2020-01-31T12:00:00Z has passed' "$E2E_TMP/errors.txt"
check_json appeals/embargo.json 0
assert_eq "$(cat "$E2E_TMP/warnings")" "not_before_future"
assert_grep 'embargoed until not_before 2099-01-01T09:00:00Z' "$E2E_TMP/warnings.txt"

note "sender overrides"
check_json appeals/sender.json 65
assert_eq "$(cat "$E2E_TMP/errors")" "invalid_sender invalid_sender"
assert_grep '^appeals/sender.json: from: "Urgent Actions" holds no address$' "$E2E_TMP/errors.txt"
assert_grep '^appeals/sender.json: reply_to: "Advocacy <advocacy@@example.org>": ' "$E2E_TMP/errors.txt"

note "the file itself: syntax, unknown field, missing"
check_json appeals/syntax.json 65
assert_eq "$(cat "$E2E_TMP/errors")" "appeal_invalid"
assert_grep '^appeals/syntax.json:7:3: ' "$E2E_TMP/errors.txt"
expect_rc 65 check appeals/unknown-field.json
assert_grep '^error: appeal_invalid: appeals/unknown-field.json: not_afer: unknown field$' \
    "$E2E_TMP/out"
assert_grep 'cannot be sent: 1 error, 0 warnings' "$E2E_TMP/err"
expect_rc 66 check appeals/nosuch.json
assert_grep 'appeals/nosuch.json' "$E2E_TMP/err"
expect_rc 64 check
expect_rc 64 check a.json b.json
echo "ok"
