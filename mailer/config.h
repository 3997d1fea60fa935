/*
 * config: tocsin.json and secrets.json, read once into plain structs.
 * Paths in the file are relative to the folder that holds it.  Secrets come
 * from the environment or from secrets.json (mode 0600), never from argv.
 */
#ifndef TOCSIN_CONFIG_H
#define TOCSIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define CONFIG_FILE  "tocsin.json"
#define SECRETS_FILE "secrets.json"

struct config_relay {
    char *url;      /* smtp://host:port or smtps://host:port */
    unsigned share; /* relative share of the messages, >= 1 */
    double rate;    /* messages per second, 0 = unlimited */
};

struct config_domain_rate {
    char *domain; /* lower-case ASCII */
    double rate;  /* messages per second */
};

struct config {
    char *path; /* the config file, as found */
    char *dir;  /* its folder; base of relative paths */

    char *database;      /* resolved path */
    char *secrets_file;  /* resolved path */
    char *templates_dir; /* resolved path */
    char *outbox;        /* resolved path */

    char *org_name;
    char *org_address; /* postal address, for the message footer */
    char *org_website;

    char *from;          /* "Name <addr@domain>", as written */
    char *from_name;     /* display name part, may be "" */
    char *from_addr;     /* address part */
    char *reply_to;      /* may be "" */
    char *bounce_domain; /* domain of bounces+TOKEN@DOMAIN */
    char *base_url;      /* public URL of tocsin serve, no trailing / */
    char *list_id;       /* List-Id value, e.g. appeals.example.org */

    struct config_relay *relays;
    size_t nrelays;
    char *smtp_tls; /* "required", "opportunistic", "none" */
    unsigned connections;
    double rate; /* overall messages per second, 0 = unlimited */
    struct config_domain_rate *domain_rates;
    size_t ndomain_rates;
    unsigned smtp_timeout; /* seconds to wait for the reply to "." */
    char *helo;            /* EHLO name; "" = libcurl's default */
    char *smtp_ca_file;    /* PEM CAs that sign the relays' certificates,
                              resolved; "" = the system's.  Set by
                              smtp.ca_file or TOCSIN_SMTP_CAFILE */
    bool smtp_ca_file_env; /* it came from TOCSIN_SMTP_CAFILE */

    unsigned retry_hours;
    unsigned batch_size;

    char *listen; /* serve: ADDR:PORT */
    bool trust_proxy;
    unsigned max_connections;
    unsigned max_per_client;
    unsigned client_timeout; /* seconds */

    unsigned soft_bounce_threshold;
    char *processed_folder; /* IMAP folder for processed bounces, "" = flag */
};

struct secrets {
    char *link_secret;    /* base64 of 32 bytes */
    char *webhook_secret; /* whsec_ + base64 */
    char *smtp_user;      /* NULL when not set */
    char *smtp_password;
    char *mailbox_password;
};

/*
 * The default tocsin.json, documented keys with their defaults (as written
 * by tocsin init).  Borrowed, static.
 */
const char *config_default_text(void);

/*
 * Find the config file: explicit (--config), else $TOCSIN_CONFIG, else
 * ./tocsin.json.  Caller frees the result with free().  MERR_CONFIG when
 * none exists, with a hint to run tocsin init.
 */
int config_find(const char *explicit_path, char **out, struct merr *err);

/*
 * Load and check a config file; missing keys take their defaults.
 * *out: caller frees with config_free().  MERR_CONFIG, MERR_PARSE,
 * MERR_NOINPUT; err names the file and the key.
 */
int config_load(const char *path, struct config **out, struct merr *err);
void config_free(struct config *cfg);

/*
 * Load secrets: secrets.json named by cfg (refused unless mode 0600 or
 * stricter), then TOCSIN_SMTP_USER, TOCSIN_SMTP_PASSWORD,
 * TOCSIN_MAILBOX_PASSWORD, TOCSIN_LINK_SECRET, TOCSIN_WEBHOOK_SECRET from
 * the environment override it.  *out: caller frees with secrets_free().
 * MERR_CONFIG, MERR_PERM, MERR_PARSE.
 */
int secrets_load(const struct config *cfg, struct secrets **out,
                 struct merr *err);
void secrets_free(struct secrets *s);

/*
 * Split "Name <addr>" (or a bare address) into name and address, both
 * caller-freed.  MERR_INVALID when there is no address.
 */
int config_split_from(const char *from, char **name, char **addr);

#endif
