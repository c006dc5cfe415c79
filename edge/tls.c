/*
 * The TLS server context (OpenSSL): TLS 1.3 and 1.2, ALPN "dot" on DoT
 * listeners and "h2" on DoH listeners, session resumption by tickets
 * (TLS 1.3 and 1.2).
 *
 * A reload builds a new context; connections keep the context they started
 * with (SSL objects hold a reference), so nothing is dropped.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "edge.h"

/* The connection of an SSL, for the ALPN callback (SSL_set_app_data). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)arg;
	struct econn *c = SSL_get_app_data(ssl);
	static const unsigned char dot[] = "\3dot";
	static const unsigned char h2[] = "\2h2";
	const unsigned char *want = c != NULL && c->kind == EDGE_DOH ? h2 : dot;
	unsigned char *sel;
	unsigned char sellen;
	if (SSL_select_next_proto(&sel, &sellen, want, want[0] + 1u, in, inlen) ==
	    OPENSSL_NPN_NEGOTIATED) {
		*out = sel;
		*outlen = sellen;
		return SSL_TLSEXT_ERR_OK;
	}
	/* DoH speaks HTTP/2 only: a client that cannot is told so at once
	 * (no_application_protocol). DoT predates ALPN (RFC 7858 has none):
	 * a client offering other protocols still gets DNS. */
	return c != NULL && c->kind == EDGE_DOH ? SSL_TLSEXT_ERR_ALERT_FATAL
	                                        : SSL_TLSEXT_ERR_NOACK;
}

static void ssl_err(char *err, size_t errlen, const char *prefix)
{
	unsigned long e = ERR_peek_last_error();
	char why[256] = "unknown error";
	if (e != 0)
		ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	snprintf(err, errlen, "%s (%s)", prefix, why);
}

SSL_CTX *edge_tls_ctx(const struct bolt_config *cfg, char *err, size_t errlen)
{
	char what[2000];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		ssl_err(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Renegotiation is a DoS lever and nothing in DNS needs it. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	                             SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
	/* Resumption by tickets only (stateless: TLS 1.3, and TLS 1.2 clients
	 * with RFC 5077): a server-side session cache costs a lookup and an
	 * insertion per handshake and a periodic scan of the whole cache (which
	 * measured about a third of the TLS 1.2 handshake rate), and every stub
	 * that resumes supports tickets. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	static const unsigned char sid_ctx[] = "boltdns-edge";
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	/* Two tickets per full handshake (OpenSSL's default) lets a client open
	 * two resumed connections; one is enough for a stub. */
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_certificate) != 1) {
		snprintf(what, sizeof(what), "%s:%u: [tls] certificate: '%s' is not a PEM certificate chain",
		         cfg->path, cfg->tls_certificate_line, cfg->tls_certificate);
		ssl_err(err, errlen, what);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
		/* OpenSSL compares the key with the certificate as it loads it */
		unsigned long e = ERR_peek_last_error();
		bool mismatch = ERR_GET_LIB(e) == ERR_LIB_X509 &&
		                ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
		snprintf(what, sizeof(what),
		         mismatch ? "%s:%u: [tls] key: '%s' does not match the certificate"
		                  : "%s:%u: [tls] key: '%s' is not a PEM private key",
		         cfg->path, cfg->tls_key_line, cfg->tls_key);
		ssl_err(err, errlen, what);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(what, sizeof(what), "%s:%u: [tls] key: '%s' does not match the certificate '%s'",
		         cfg->path, cfg->tls_key_line, cfg->tls_key, cfg->tls_certificate);
		ssl_err(err, errlen, what);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static uint64_t file_stamp(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return ((uint64_t)st.st_mtim.tv_sec * 1000000007ull + (uint64_t)st.st_mtim.tv_nsec) ^
	       ((uint64_t)st.st_ino << 20) ^ (uint64_t)st.st_size;
}

uint64_t edge_tls_stamp(const struct bolt_config *cfg)
{
	return file_stamp(cfg->tls_certificate) * 31 + file_stamp(cfg->tls_key);
}
