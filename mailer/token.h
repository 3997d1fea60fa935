/*
 * token: everything keyed: personal link tokens (sign, unsubscribe, VERP),
 * the keyed hash that suppressions keep of a forgotten person, Standard
 * Webhooks signatures, random secrets and base64, and the check of a TLS
 * peer's certificate chain for the adapters whose library leaves that to
 * us (libetpan).  The only file that includes GnuTLS.  No network I/O here.
 */
#ifndef TOCSIN_TOKEN_H
#define TOCSIN_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* A token: lower-case base32, at most this many characters plus NUL. */
#define TOKEN_MAX 64
/* A person hash: 64 hex digits plus NUL. */
#define TOKEN_HASH_HEX 65
/* Webhook timestamps more than this many seconds away are refused. */
#define TOKEN_WEBHOOK_TOLERANCE 300

/* Keys derived from the link secret, one per purpose. */
struct token_keys {
    unsigned char link[32];   /* MAC of link tokens */
    unsigned char person[32]; /* keyed hash of addresses */
};

/*
 * Derive the keys from link_secret (base64 of at least 16 bytes).
 * MERR_CONFIG when it is not base64 or too short.
 */
int token_keys_init(struct token_keys *k, const char *link_secret,
                    struct merr *err);

/* Wipe the keys. */
void token_keys_release(struct token_keys *k);

/*
 * The token for one appeal (its seq) and one subscriber: both numbers and
 * a 128-bit HMAC-SHA256 tag, base32 lower-case, case-insensitive on input
 * (so it survives in an email local part).  Never reveals the address.
 */
void token_make(const struct token_keys *k, int64_t appeal_seq,
                int64_t subscriber_id, char out[TOKEN_MAX]);

/*
 * Check a token in constant time and give its numbers.  MERR_INVALID for
 * anything tampered, truncated or unknown-version.
 */
int token_check(const struct token_keys *k, const char *tok, size_t len,
                int64_t *appeal_seq, int64_t *subscriber_id);

/*
 * Keyed hash (HMAC-SHA256 under the person key) of an email key, as hex:
 * what suppressions keep so a forgotten person is never mailed again.
 */
void token_person_hash(const struct token_keys *k, const char *email_key,
                       char out[TOKEN_HASH_HEX]);

/*
 * Standard Webhooks: verify sig_header ("v1,BASE64 v1,BASE64 ...") for
 * id.timestamp.body under secret ("whsec_" + base64, or bare base64).
 * One valid signature suffices; compared in constant time.  now is the
 * current time; the timestamp must be within TOKEN_WEBHOOK_TOLERANCE.
 * Returns 0, MERR_CONFIG (bad secret), MERR_INVALID (bad signature, err
 * says which), MERR_LIMIT (timestamp outside the window).
 */
int token_webhook_verify(const char *secret, const char *id,
                         const char *timestamp, const char *body,
                         size_t body_len, const char *sig_header, int64_t now,
                         struct merr *err);

/*
 * The same with the secret decoded and keyed once (the server's way):
 * token_webhook_key_new returns MERR_CONFIG for a secret that is not
 * base64; a key may be used by several threads at once.
 */
struct token_webhook_key;
int token_webhook_key_new(const char *secret, struct token_webhook_key **out);
void token_webhook_key_free(struct token_webhook_key *k);
int token_webhook_check(const struct token_webhook_key *k, const char *id,
                        const char *timestamp, const char *body,
                        size_t body_len, const char *sig_header, int64_t now,
                        struct merr *err);

/*
 * The "v1,BASE64" signature for id.timestamp.body (for tests and tools).
 * out needs at least 64 bytes.  MERR_CONFIG for a bad secret.
 */
int token_webhook_sign(const char *secret, const char *id,
                       const char *timestamp, const char *body, size_t body_len,
                       char *out, size_t size);

/*
 * n random bytes from GnuTLS's key-grade generator, base64 into out.
 * MERR_LIMIT if out is too small.
 */
int token_random_base64(size_t n, char *out, size_t size);

/*
 * Base64 (RFC 4648, padded).  token_base64_decode writes at most size
 * bytes into out and their count into *len; MERR_INVALID on bad input,
 * MERR_LIMIT when out is too small.
 */
int token_base64_encode(const void *p, size_t n, char *out, size_t size);
int token_base64_decode(const char *s, size_t n, unsigned char *out,
                        size_t size, size_t *len);

/* HMAC-SHA256 of p under key (32-byte digest). */
void token_hmac(const void *key, size_t keylen, const void *p, size_t n,
                unsigned char out[32]);

/* One DER certificate (borrowed). */
struct token_der {
    const unsigned char *data;
    size_t len;
};

/*
 * Verify a TLS peer's certificate chain (DER, the peer's own certificate
 * first, as the server sent it) for host (a DNS name or an IP address):
 * the chain must lead to a trusted CA, be valid now, be fit for a TLS
 * server, and the first certificate must name host.  Trusted CAs: the PEM
 * file cafile when not NULL, else the system store.  MERR_INVALID with err
 * saying why (e.g. "certificate not trusted"), MERR_CONFIG when cafile
 * holds no certificate.
 */
int token_verify_cert(const struct token_der *chain, size_t n, const char *host,
                      const char *cafile, struct merr *err);

/* SHA-256 of p[0..n) as 64 lower-case hex digits plus NUL (content
 * hashes of appeal files; not keyed). */
#define TOKEN_SHA256_HEX 65
void token_sha256_hex(const void *p, size_t n, char out[TOKEN_SHA256_HEX]);

/* Constant-time comparison of n bytes: true if equal. */
bool token_equal(const void *a, const void *b, size_t n);

#endif
