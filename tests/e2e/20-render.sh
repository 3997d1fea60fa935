#!/bin/sh
# tocsin render: one Mustache template filled with JSON data, exactly.
set -eu
LC_ALL=C TZ=UTC
. "$E2E_DIR/lib.sh"

d="$E2E_TMP/tpl"
mkdir -p "$d/parts"
# no trailing newline: the output must not gain one
printf 'Dear {{name}},\n{{#cases}}\n- {{who}} ({{{where}}})\n{{/cases}}\n{{^cases}}no cases{{/cases}}\n  {{> sig}}\n{{! a comment }}{{amount}} / {{ratio}}' >"$d/letter.mustache"
printf 'Amnesty <{{org}}>\nAddress: {{org}}\n' >"$d/sig"
cat >"$d/data.json" <<'JSON'
{"name": "Ana & Bo", "org": "HRW \"Paris\"", "amount": 12, "ratio": 0.25,
 "cases": [{"who": "Leila", "where": "<b>Tehran</b>"}, {"who": "Олег", "where": "Минск"}]}
JSON
printf 'Dear Ana &amp; Bo,\n- Leila (<b>Tehran</b>)\n- Олег (Минск)\n\n  Amnesty <HRW &quot;Paris&quot;>\n  Address: HRW &quot;Paris&quot;\n12 / 0.25' >"$E2E_TMP/want1"

note "--data: exact bytes, no newline added"
expect_rc 0 render "$d/letter.mustache" --data "$d/data.json"
cmp "$E2E_TMP/out" "$E2E_TMP/want1" || fail "render --data output differs"
[ -s "$E2E_TMP/err" ] && fail "render wrote to stderr: $(cat "$E2E_TMP/err")"

note "data from standard input"
"$TOCSIN" render "$d/letter.mustache" <"$d/data.json" >"$E2E_TMP/out2"
cmp "$E2E_TMP/out2" "$E2E_TMP/want1" || fail "render from stdin differs"

note "--partials DIR instead of the template's folder"
printf 'from parts: {{org}}' >"$d/parts/sig"
expect_rc 0 render "$d/letter.mustache" --data "$d/data.json" --partials "$d/parts"
assert_grep '^  from parts: HRW &quot;Paris&quot;12 / 0.25$' "$E2E_TMP/out"

note "a missing partial renders as empty"
printf '[{{> nosuch}}]' >"$d/missing.mustache"
echo '{}' | "$TOCSIN" render "$d/missing.mustache" >"$E2E_TMP/out3"
assert_eq "$(cat "$E2E_TMP/out3")" "[]" "missing partial"

note "a list, a string and a number as the data"
printf '{{#.}}<{{name}}>{{/.}}' >"$d/list.mustache"
echo '[{"name": "a"}, {"name": "b"}, {"name": "c"}]' >"$d/list.json"
expect_rc 0 render "$d/list.mustache" --data "$d/list.json"
assert_eq "$(cat "$E2E_TMP/out")" "<a><b><c>" "list data"
printf '{{.}} km/h' >"$d/dot.mustache"
echo '"fast & loud"' | "$TOCSIN" render "$d/dot.mustache" >"$E2E_TMP/out4"
assert_eq "$(cat "$E2E_TMP/out4")" "fast &amp; loud km/h" "string data"
echo '85' | "$TOCSIN" render "$d/dot.mustache" >"$E2E_TMP/out4"
assert_eq "$(cat "$E2E_TMP/out4")" "85 km/h" "number data"

note "bad JSON: file, line and column, exit 65"
printf '{\n  "name": "x",\n  "org": \n}\n' >"$d/bad.json"
expect_rc 65 render "$d/letter.mustache" --data "$d/bad.json"
assert_grep "bad.json:4:1: " "$E2E_TMP/err"
[ -s "$E2E_TMP/out" ] && fail "render printed output despite bad JSON"
echo '{"a": 1' | { set +e; "$TOCSIN" render "$d/dot.mustache" 2>"$E2E_TMP/err5"; echo $? >"$E2E_TMP/rc5"; }
assert_eq "$(cat "$E2E_TMP/rc5")" 65 "bad JSON on stdin"
assert_grep '^tocsin: <stdin>:2:0: ' "$E2E_TMP/err5"

note "unreadable template: exit 66"
expect_rc 66 render "$d/nosuch.mustache" --data "$d/data.json"
assert_grep 'nosuch.mustache' "$E2E_TMP/err"
expect_rc 66 render "$d" --data "$d/data.json"
expect_rc 66 render "$d/letter.mustache" --data "$d/nosuch.json"

note "template errors name the file and line"
printf 'one\ntwo {{#open}}\nthree' >"$d/unclosed.mustache"
expect_rc 65 render "$d/unclosed.mustache" --data "$d/data.json"
assert_grep 'unclosed.mustache:2: \{\{#open\}\}: section not closed' "$E2E_TMP/err"
printf 'x {{> ../data.json}}' >"$d/parts/escape.mustache"
expect_rc 65 render "$d/parts/escape.mustache" --data "$d/data.json"
assert_grep 'escape.mustache:1: \{\{> \.\./data\.json\}\}: partial name refused' "$E2E_TMP/err"

note "--strict: an unknown name is an error"
printf 'Hi {{name}}\n{{nmae}}' >"$d/typo.mustache"
expect_rc 0 render "$d/typo.mustache" --data "$d/data.json"
assert_eq "$(cat "$E2E_TMP/out")" "Hi Ana &amp; Bo" "non-strict typo"
expect_rc 65 render --strict "$d/typo.mustache" --data "$d/data.json"
assert_grep 'typo.mustache:2: \{\{nmae\}\}: unknown name' "$E2E_TMP/err"

note "usage errors"
expect_rc 64 render
expect_rc 64 render a b
expect_rc 0 render --help
assert_grep '^usage: tocsin render TEMPLATE' "$E2E_TMP/out"
