/*
 * fuzz_textpart: arbitrary bytes as filled Markdown through the text
 * part's splitter and wrapper (render_text.c), and as HTML cut at the
 * recipient-value markers.  Checks that no wrapped line with a space
 * passes 72 columns.  libFuzzer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "render_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct render_pieces p;
    struct render_segstr ss;
    struct buf b;

    buf_init(&b, 1 << 20);
    if (render_text_split(s, size, &p) == 0) {
        render_pieces_release(&p);
    }
    if (render_wrap(&b, s, size, "> ", "  ", RENDER_WIDTH) == 0) {
        const char *line = buf_str(&b);

        while (*line != '\0') {
            const char *nl = strchr(line, '\n');
            size_t n = nl != NULL ? (size_t)(nl - line) : strlen(line);

            /* a line over the width is one word after its prefix */
            if (render_columns(line, n) > RENDER_WIDTH && n > 2 &&
                memchr(line + 2, ' ', n - 2) != NULL &&
                memchr(s, '\n', size) == NULL &&
                memchr(s, '\0', size) == NULL) {
                __builtin_trap();
            }
            line = nl != NULL ? nl + 1 : line + n;
        }
    }
    render_segstr_cut(s, size, true, &ss);
    render_segstr_release(&ss);
    buf_release(&b);
    return 0;
}
