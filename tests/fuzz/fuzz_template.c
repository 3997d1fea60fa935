/*
 * fuzz_template: compile arbitrary bytes as a Mustache template (with
 * partials "self", the input again, and "p", a fixed one) and render it
 * with a small fixed context, non-strict and strict.  libFuzzer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *data;
    size_t size;
};

static int
load(void *arg, const char *name, struct buf *out, struct merr *err)
{
    const struct input *in = arg;

    (void)err;
    if (!template_partial_name_ok(name)) {
        return merr_set(err, MERR_INVALID, "refused");
    }
    if (strcmp(name, "self") == 0) {
        return buf_add(out, in->data, in->size);
    }
    if (strcmp(name, "p") == 0) {
        return buf_adds(out, "  <{{a}}>\n{{#l}}{{.}}{{/l}}\n");
    }
    return MERR_NOTFOUND;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *ctx;
    struct input in = {data, size};
    struct template_loader ld = {load, &in};
    struct template_opts opts = {&ld, false};
    struct template *t = NULL;
    struct merr err;
    const json_t *stack[2];
    struct buf out;
    int strict;

    if (ctx == NULL) {
        ctx = json_loads("{\"a\": \"<&>\", \"b\": {\"c\": [1, 2.5, true]}, "
                         "\"l\": [\"x\", {\"a\": 0}, [], null, \"\"], "
                         "\"n\": null, \"e\": \"\", \"z\": 0}",
                         0, NULL);
    }
    stack[0] = ctx;
    stack[1] = json_object_get(ctx, "b");
    buf_init(&out, 1 << 20);
    for (strict = 0; strict < 2; strict++) {
        opts.strict = strict == 1;
        memset(&err, 0, sizeof(err));
        if (template_compile((const char *)data, size, "fuzz", &opts, &t,
                             &err) != 0) {
            break;
        }
        buf_reset(&out);
        (void)template_render(t, stack, 2, NULL, NULL, &out, &err);
        template_free(t);
        t = NULL;
    }
    buf_release(&out);
    return 0;
}
