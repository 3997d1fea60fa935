/*
 * config: reads tocsin.json and secrets.json with jansson.  No other module
 * reads these files.  Unknown keys are reported, not ignored silently.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "log.h"
#include "util.h"

static const char default_text[] =
    "{\n"
    "  \"database\": \"tocsin.db\",\n"
    "  \"secrets_file\": \"secrets.json\",\n"
    "  \"templates_dir\": \"templates\",\n"
    "  \"outbox\": \"outbox\",\n"
    "  \"organisation\": {\n"
    "    \"name\": \"Example Human Rights Network\",\n"
    "    \"postal_address\": \"Rue de l'Exemple 1, 1000 Brussels, Belgium\",\n"
    "    \"website\": \"https://example.org\"\n"
    "  },\n"
    "  \"sender\": {\n"
    "    \"from\": \"Example Human Rights Network <appeals@example.org>\",\n"
    "    \"reply_to\": \"\",\n"
    "    \"bounce_domain\": \"example.org\"\n"
    "  },\n"
    "  \"base_url\": \"https://act.example.org\",\n"
    "  \"list_id\": \"appeals.example.org\",\n"
    "  \"smtp\": {\n"
    "    \"relays\": [],\n"
    "    \"tls\": \"required\",\n"
    "    \"connections\": 4,\n"
    "    \"rate\": 0,\n"
    "    \"domain_rates\": {},\n"
    "    \"timeout\": 600,\n"
    "    \"helo\": \"\",\n"
    "    \"ca_file\": \"\"\n"
    "  },\n"
    "  \"send\": {\n"
    "    \"retry_hours\": 48,\n"
    "    \"batch_size\": 500\n"
    "  },\n"
    "  \"server\": {\n"
    "    \"listen\": \"127.0.0.1:8080\",\n"
    "    \"trust_proxy\": false,\n"
    "    \"max_connections\": 1024,\n"
    "    \"max_per_client\": 64,\n"
    "    \"client_timeout\": 10\n"
    "  },\n"
    "  \"bounces\": {\n"
    "    \"soft_threshold\": 3,\n"
    "    \"processed_folder\": \"\"\n"
    "  }\n"
    "}\n";

const char *
config_default_text(void)
{
    return default_text;
}

int
config_find(const char *explicit_path, char **out, struct merr *err)
{
    const char *env = getenv("TOCSIN_CONFIG");
    const char *path = CONFIG_FILE;

    *out = NULL;
    if (explicit_path != NULL) {
        path = explicit_path;
    } else if (env != NULL && *env != '\0') {
        path = env;
    }
    if (access(path, R_OK) != 0) {
        if (explicit_path == NULL && (env == NULL || *env == '\0')) {
            return merr_set(err, MERR_CONFIG,
                            "%s: not found (run \"tocsin init\" here, or "
                            "use --config FILE or TOCSIN_CONFIG)",
                            path);
        }
        return merr_set(err, MERR_CONFIG, "%s: %s", path, strerror(errno));
    }
    *out = xstrdup(path);
    return 0;
}

/* A loader: the file, the object, and the dotted key path for errors. */
struct loader {
    const char *file;
    struct merr *err;
};

static json_t *
member(struct loader *l, json_t *obj, const char *section, const char *key,
       json_type type, const char *what)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return NULL;
    }
    if (json_typeof(v) != type && !(type == JSON_REAL && json_is_integer(v)) &&
        !(type == JSON_TRUE && json_is_boolean(v))) {
        merr_set(l->err, MERR_CONFIG, "%s: %s%s%s: expected %s", l->file,
                 section, *section ? "." : "", key, what);
        return NULL;
    }
    return v;
}

/*
 * The getters do nothing once an error is recorded, so a loader can read
 * every key in a row and check l->err->code once.
 */
static int
get_str(struct loader *l, json_t *obj, const char *section, const char *key,
        const char *def, char **out)
{
    json_t *v;

    if (l->err->code != 0) {
        return l->err->code;
    }
    v = member(l, obj, section, key, JSON_STRING, "a string");
    if (v == NULL && l->err->code != 0) {
        return l->err->code;
    }
    *out = xstrdup(v != NULL ? json_string_value(v) : def);
    return 0;
}

static int
get_uint(struct loader *l, json_t *obj, const char *section, const char *key,
         unsigned def, unsigned min, unsigned max, unsigned *out)
{
    json_t *v;
    json_int_t n;

    if (l->err->code != 0) {
        return l->err->code;
    }
    v = member(l, obj, section, key, JSON_INTEGER, "a whole number");
    if (v == NULL) {
        if (l->err->code != 0) {
            return l->err->code;
        }
        *out = def;
        return 0;
    }
    n = json_integer_value(v);
    if (n < (json_int_t)min || n > (json_int_t)max) {
        return merr_set(l->err, MERR_CONFIG,
                        "%s: %s.%s: %lld is out of range (%u to %u)", l->file,
                        section, key, (long long)n, min, max);
    }
    *out = (unsigned)n;
    return 0;
}

static int
get_rate(struct loader *l, json_t *obj, const char *section, const char *key,
         double *out)
{
    json_t *v;

    if (l->err->code != 0) {
        return l->err->code;
    }
    v = member(l, obj, section, key, JSON_REAL, "a number");
    if (v == NULL) {
        if (l->err->code != 0) {
            return l->err->code;
        }
        *out = 0;
        return 0;
    }
    *out = json_number_value(v);
    if (*out < 0) {
        return merr_set(l->err, MERR_CONFIG, "%s: %s.%s: must not be negative",
                        l->file, section, key);
    }
    return 0;
}

static json_t *
get_obj(struct loader *l, json_t *root, const char *key)
{
    json_t *v = member(l, root, "", key, JSON_OBJECT, "an object");

    return v;
}

/* Report keys we do not know: a typo must not silently mean "default". */
static void
warn_unknown(const char *file, const char *section, json_t *obj,
             const char *const *known)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        bool found = false;

        (void)v;
        for (size_t i = 0; known[i] != NULL; i++) {
            if (strcmp(known[i], key) == 0) {
                found = true;
                break;
            }
        }
        if (!found) {
            log_warn("%s: %s%s%s: unknown setting, ignored", file, section,
                     *section ? "." : "", key);
        }
    }
}

/* Make *p relative to dir (the config file's folder), in place. */
static void
resolve(const char *dir, char **p)
{
    struct buf b;

    if ((*p)[0] == '/' || strcmp(dir, ".") == 0) {
        return;
    }
    buf_init(&b, PATH_MAX);
    if (buf_addf(&b, "%s/%s", dir, *p) != 0) {
        buf_release(&b);
        return;
    }
    free(*p);
    *p = buf_take(&b);
}

int
config_split_from(const char *from, char **name, char **addr)
{
    const char *lt = strrchr(from, '<');
    const char *gt;
    size_t n;

    *name = NULL;
    *addr = NULL;
    if (lt == NULL) {
        if (strchr(from, '@') == NULL) {
            return MERR_INVALID;
        }
        while (*from == ' ') {
            from++;
        }
        *name = xstrdup("");
        *addr = xstrdup(from);
        n = strlen(*addr);
        while (n > 0 && (*addr)[n - 1] == ' ') {
            (*addr)[--n] = '\0';
        }
        return 0;
    }
    gt = strchr(lt, '>');
    if (gt == NULL || gt == lt + 1 ||
        memchr(lt, '@', (size_t)(gt - lt)) == NULL) {
        return MERR_INVALID;
    }
    *addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
    n = (size_t)(lt - from);
    while (n > 0 && from[n - 1] == ' ') {
        n--;
    }
    while (n > 0 && *from == ' ') {
        from++;
        n--;
    }
    /* "Name" in quotes: drop the quotes */
    if (n >= 2 && from[0] == '"' && from[n - 1] == '"') {
        from++;
        n -= 2;
    }
    *name = xstrndup(from, n);
    return 0;
}

static int
load_relays(struct loader *l, json_t *smtp, struct config *cfg)
{
    json_t *arr = member(l, smtp, "smtp", "relays", JSON_ARRAY, "a list");
    json_t *r;
    size_t i;

    if (arr == NULL) {
        return l->err->code;
    }
    cfg->relays = xcalloc(json_array_size(arr), sizeof(*cfg->relays));
    json_array_foreach(arr, i, r)
    {
        struct config_relay *rel = &cfg->relays[i];
        json_t *url;
        json_t *share;

        cfg->nrelays = i + 1;
        rel->share = 1;
        if (json_is_string(r)) {
            rel->url = xstrdup(json_string_value(r));
            continue;
        }
        url = json_object_get(r, "url");
        if (!json_is_object(r) || !json_is_string(url)) {
            return merr_set(l->err, MERR_CONFIG,
                            "%s: smtp.relays[%zu]: expected a URL string or "
                            "{\"url\": ..., \"share\": N, \"rate\": N}",
                            l->file, i);
        }
        rel->url = xstrdup(json_string_value(url));
        share = json_object_get(r, "share");
        if (share != NULL) {
            if (!json_is_integer(share) || json_integer_value(share) < 1 ||
                json_integer_value(share) > 1000) {
                return merr_set(l->err, MERR_CONFIG,
                                "%s: smtp.relays[%zu].share: expected a whole "
                                "number from 1 to 1000",
                                l->file, i);
            }
            rel->share = (unsigned)json_integer_value(share);
        }
        if (get_rate(l, r, "smtp.relays[]", "rate", &rel->rate) != 0) {
            return l->err->code;
        }
    }
    for (i = 0; i < cfg->nrelays; i++) {
        const char *u = cfg->relays[i].url;

        if (!util_starts_with(u, "smtp://") &&
            !util_starts_with(u, "smtps://")) {
            return merr_set(l->err, MERR_CONFIG,
                            "%s: smtp.relays[%zu]: \"%s\" is not an smtp:// or "
                            "smtps:// URL",
                            l->file, i, u);
        }
    }
    return 0;
}

static int
load_domain_rates(struct loader *l, json_t *smtp, struct config *cfg)
{
    json_t *obj = member(l, smtp, "smtp", "domain_rates", JSON_OBJECT,
                         "an object of domain: messages per second");
    const char *key;
    json_t *v;
    size_t i = 0;

    if (obj == NULL) {
        return l->err->code;
    }
    cfg->domain_rates =
        xcalloc(json_object_size(obj), sizeof(*cfg->domain_rates));
    json_object_foreach(obj, key, v)
    {
        if (!json_is_number(v) || json_number_value(v) <= 0) {
            return merr_set(l->err, MERR_CONFIG,
                            "%s: smtp.domain_rates.%s: expected a positive "
                            "number",
                            l->file, key);
        }
        cfg->domain_rates[i].domain = xstrdup(key);
        util_lower(cfg->domain_rates[i].domain);
        cfg->domain_rates[i].rate = json_number_value(v);
        cfg->ndomain_rates = ++i;
    }
    return 0;
}

int
config_load(const char *path, struct config **out, struct merr *err)
{
    static const char *const top[] = {
        "database", "secrets_file", "templates_dir",
        "outbox",   "organisation", "sender",
        "base_url", "list_id",      "smtp",
        "send",     "server",       "bounces",
        NULL};
    static const char *const k_org[] = {"name", "postal_address", "website",
                                        NULL};
    static const char *const k_sender[] = {"from", "reply_to", "bounce_domain",
                                           NULL};
    static const char *const k_smtp[] = {
        "relays",  "tls",  "connections", "rate", "domain_rates",
        "timeout", "helo", "ca_file",     NULL};
    static const char *const k_send[] = {"retry_hours", "batch_size", NULL};
    static const char *const k_server[] = {"listen",          "trust_proxy",
                                           "max_connections", "max_per_client",
                                           "client_timeout",  NULL};
    static const char *const k_bounces[] = {"soft_threshold",
                                            "processed_folder", NULL};
    struct config *cfg = NULL;
    struct loader l = {path, err};
    json_error_t jerr;
    json_t *root = NULL;
    json_t *def = NULL;
    json_t *org, *sender, *smtp, *send, *server, *bounces, *v;
    char *dirbuf = NULL;
    const char *ca_env;
    int rc = 0;

    *out = NULL;
    err->code = 0;
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        if (jerr.line <= 0) {
            rc = merr_set(err, MERR_CONFIG, "%s: %s", path, jerr.text);
        } else {
            rc = merr_set(err, MERR_PARSE, "%s:%d:%d: %s", path, jerr.line,
                          jerr.column, jerr.text);
        }
        goto out;
    }
    if (!json_is_object(root)) {
        rc = merr_set(err, MERR_CONFIG, "%s: expected a JSON object", path);
        goto out;
    }
    def = json_object();
    cfg = xcalloc(1, sizeof(*cfg));
    cfg->path = xstrdup(path);
    dirbuf = xstrdup(path);
    cfg->dir = xstrdup(dirname(dirbuf));
    warn_unknown(path, "", root, top);

    org = get_obj(&l, root, "organisation");
    sender = get_obj(&l, root, "sender");
    smtp = get_obj(&l, root, "smtp");
    send = get_obj(&l, root, "send");
    server = get_obj(&l, root, "server");
    bounces = get_obj(&l, root, "bounces");
    if (err->code != 0) {
        rc = err->code;
        goto out;
    }
    if (org == NULL) {
        org = def;
    }
    if (sender == NULL) {
        sender = def;
    }
    if (smtp == NULL) {
        smtp = def;
    }
    if (send == NULL) {
        send = def;
    }
    if (server == NULL) {
        server = def;
    }
    if (bounces == NULL) {
        bounces = def;
    }
    warn_unknown(path, "organisation", org, k_org);
    warn_unknown(path, "sender", sender, k_sender);
    warn_unknown(path, "smtp", smtp, k_smtp);
    warn_unknown(path, "send", send, k_send);
    warn_unknown(path, "server", server, k_server);
    warn_unknown(path, "bounces", bounces, k_bounces);

    get_str(&l, root, "", "database", "tocsin.db", &cfg->database);
    get_str(&l, root, "", "secrets_file", SECRETS_FILE, &cfg->secrets_file);
    get_str(&l, root, "", "templates_dir", "templates", &cfg->templates_dir);
    get_str(&l, root, "", "outbox", "outbox", &cfg->outbox);
    get_str(&l, org, "organisation", "name", "", &cfg->org_name);
    get_str(&l, org, "organisation", "postal_address", "", &cfg->org_address);
    get_str(&l, org, "organisation", "website", "", &cfg->org_website);
    get_str(&l, sender, "sender", "from", "", &cfg->from);
    get_str(&l, sender, "sender", "reply_to", "", &cfg->reply_to);
    get_str(&l, sender, "sender", "bounce_domain", "", &cfg->bounce_domain);
    get_str(&l, root, "", "base_url", "http://127.0.0.1:8080", &cfg->base_url);
    get_str(&l, root, "", "list_id", "", &cfg->list_id);
    get_str(&l, smtp, "smtp", "tls", "required", &cfg->smtp_tls);
    get_str(&l, smtp, "smtp", "helo", "", &cfg->helo);
    get_str(&l, smtp, "smtp", "ca_file", "", &cfg->smtp_ca_file);
    get_str(&l, server, "server", "listen", "127.0.0.1:8080", &cfg->listen);
    get_str(&l, bounces, "bounces", "processed_folder", "",
            &cfg->processed_folder);
    get_uint(&l, smtp, "smtp", "connections", 4, 1, 256, &cfg->connections);
    get_rate(&l, smtp, "smtp", "rate", &cfg->rate);
    get_uint(&l, smtp, "smtp", "timeout", 600, 1, 3600, &cfg->smtp_timeout);
    get_uint(&l, send, "send", "retry_hours", 48, 1, 24 * 30,
             &cfg->retry_hours);
    get_uint(&l, send, "send", "batch_size", 500, 1, 100000, &cfg->batch_size);
    get_uint(&l, server, "server", "max_connections", 1024, 1, 65536,
             &cfg->max_connections);
    get_uint(&l, server, "server", "max_per_client", 64, 1, 65536,
             &cfg->max_per_client);
    get_uint(&l, server, "server", "client_timeout", 10, 1, 3600,
             &cfg->client_timeout);
    get_uint(&l, bounces, "bounces", "soft_threshold", 3, 1, 1000,
             &cfg->soft_bounce_threshold);
    if (err->code != 0) {
        rc = err->code;
        goto out;
    }
    resolve(cfg->dir, &cfg->database);
    resolve(cfg->dir, &cfg->secrets_file);
    resolve(cfg->dir, &cfg->templates_dir);
    resolve(cfg->dir, &cfg->outbox);
    if (cfg->smtp_ca_file[0] != '\0') {
        resolve(cfg->dir, &cfg->smtp_ca_file);
    }
    /* a private CA for this run (tests, an in-house relay); a path
     * relative to the current folder, as any path on a command line */
    ca_env = getenv("TOCSIN_SMTP_CAFILE");
    if (ca_env != NULL && ca_env[0] != '\0') {
        free(cfg->smtp_ca_file);
        cfg->smtp_ca_file = xstrdup(ca_env);
        cfg->smtp_ca_file_env = true;
    }
    v = member(&l, server, "server", "trust_proxy", JSON_TRUE, "true or false");
    if (err->code != 0) {
        rc = err->code;
        goto out;
    }
    cfg->trust_proxy = v != NULL && json_is_true(v);
    rc = load_relays(&l, smtp, cfg);
    if (rc == 0) {
        rc = load_domain_rates(&l, smtp, cfg);
    }
    if (rc != 0) {
        goto out;
    }
    if (strcmp(cfg->smtp_tls, "required") != 0 &&
        strcmp(cfg->smtp_tls, "opportunistic") != 0 &&
        strcmp(cfg->smtp_tls, "none") != 0) {
        rc = merr_set(err, MERR_CONFIG,
                      "%s: smtp.tls: \"%s\" is not one of required, "
                      "opportunistic, none",
                      path, cfg->smtp_tls);
        goto out;
    }
    if (*cfg->from == '\0') {
        rc = merr_set(err, MERR_CONFIG, "%s: sender.from: missing", path);
        goto out;
    }
    if (config_split_from(cfg->from, &cfg->from_name, &cfg->from_addr) != 0) {
        rc = merr_set(err, MERR_CONFIG,
                      "%s: sender.from: \"%s\" has no address (write "
                      "\"Name <address@domain>\")",
                      path, cfg->from);
        goto out;
    }
    if (*cfg->bounce_domain == '\0') {
        const char *at = strrchr(cfg->from_addr, '@');

        free(cfg->bounce_domain);
        cfg->bounce_domain = xstrdup(at + 1);
    }
    {
        size_t n = strlen(cfg->base_url);

        while (n > 0 && cfg->base_url[n - 1] == '/') {
            cfg->base_url[--n] = '\0';
        }
        if (!util_starts_with(cfg->base_url, "https://") &&
            !util_starts_with(cfg->base_url, "http://")) {
            rc = merr_set(err, MERR_CONFIG,
                          "%s: base_url: \"%s\" is not an http(s) URL", path,
                          cfg->base_url);
            goto out;
        }
    }
    if (*cfg->list_id == '\0') {
        free(cfg->list_id);
        cfg->list_id = xstrdup(cfg->bounce_domain);
    }
    *out = cfg;
    cfg = NULL;
out:
    free(dirbuf);
    json_decref(def);
    json_decref(root);
    config_free(cfg);
    return rc;
}

void
config_free(struct config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    for (size_t i = 0; i < cfg->nrelays; i++) {
        free(cfg->relays[i].url);
    }
    free(cfg->relays);
    for (size_t i = 0; i < cfg->ndomain_rates; i++) {
        free(cfg->domain_rates[i].domain);
    }
    free(cfg->domain_rates);
    free(cfg->path);
    free(cfg->dir);
    free(cfg->database);
    free(cfg->secrets_file);
    free(cfg->templates_dir);
    free(cfg->outbox);
    free(cfg->org_name);
    free(cfg->org_address);
    free(cfg->org_website);
    free(cfg->from);
    free(cfg->from_name);
    free(cfg->from_addr);
    free(cfg->reply_to);
    free(cfg->bounce_domain);
    free(cfg->base_url);
    free(cfg->list_id);
    free(cfg->smtp_tls);
    free(cfg->helo);
    free(cfg->smtp_ca_file);
    free(cfg->listen);
    free(cfg->processed_folder);
    free(cfg);
}

static void
env_override(char **slot, const char *name)
{
    const char *v = getenv(name);

    if (v != NULL && *v != '\0') {
        free(*slot);
        *slot = xstrdup(v);
    }
}

static char *
opt_string(json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);

    return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

int
secrets_load(const struct config *cfg, struct secrets **out, struct merr *err)
{
    struct secrets *s = NULL;
    json_error_t jerr;
    json_t *root = NULL;
    struct stat st;
    int rc = 0;

    *out = NULL;
    s = xcalloc(1, sizeof(*s));
    if (stat(cfg->secrets_file, &st) == 0) {
        if ((st.st_mode & 077) != 0) {
            rc = merr_set(err, MERR_PERM,
                          "%s: readable by others (mode %03o); run: chmod "
                          "600 %s",
                          cfg->secrets_file, (unsigned)(st.st_mode & 0777),
                          cfg->secrets_file);
            goto out;
        }
        root = json_load_file(cfg->secrets_file, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL || !json_is_object(root)) {
            rc = merr_set(err, MERR_PARSE, "%s:%d:%d: %s", cfg->secrets_file,
                          jerr.line, jerr.column,
                          root == NULL ? jerr.text : "expected an object");
            goto out;
        }
        s->link_secret = opt_string(root, "link_secret");
        s->webhook_secret = opt_string(root, "webhook_secret");
        s->smtp_user = opt_string(root, "smtp_user");
        s->smtp_password = opt_string(root, "smtp_password");
        s->mailbox_password = opt_string(root, "mailbox_password");
    } else if (errno != ENOENT) {
        rc = merr_set(err, MERR_IO, "%s: %s", cfg->secrets_file,
                      strerror(errno));
        goto out;
    }
    env_override(&s->link_secret, "TOCSIN_LINK_SECRET");
    env_override(&s->webhook_secret, "TOCSIN_WEBHOOK_SECRET");
    env_override(&s->smtp_user, "TOCSIN_SMTP_USER");
    env_override(&s->smtp_password, "TOCSIN_SMTP_PASSWORD");
    env_override(&s->mailbox_password, "TOCSIN_MAILBOX_PASSWORD");
    if (s->link_secret == NULL) {
        rc = merr_set(err, MERR_CONFIG,
                      "%s: no link_secret (run \"tocsin init\", or set "
                      "TOCSIN_LINK_SECRET)",
                      cfg->secrets_file);
        goto out;
    }
    *out = s;
    s = NULL;
out:
    json_decref(root);
    secrets_free(s);
    return rc;
}

static void
free_secret(char *p)
{
    if (p != NULL) {
        /* do not leave secrets in freed heap memory */
        explicit_bzero(p, strlen(p));
        free(p);
    }
}

void
secrets_free(struct secrets *s)
{
    if (s == NULL) {
        return;
    }
    free_secret(s->link_secret);
    free_secret(s->webhook_secret);
    free_secret(s->smtp_user);
    free_secret(s->smtp_password);
    free_secret(s->mailbox_password);
    free(s);
}
