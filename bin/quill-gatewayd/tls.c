/*
 * tls.c: HTTPS at the gateway, when [gateway] tls_certificate and
 * tls_key are set.
 *
 * The master builds one OpenSSL context at start and on each reload (a
 * renewed certificate is taken up by SIGHUP; a broken one refuses the
 * reload and the running workers go on with the old).  Workers forked
 * afterwards accept with it; ALPN offers HTTP/2, then HTTP/1.1.  Only
 * TLS 1.2 and later are spoken.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/config.h"
#include "bin/quill-gatewayd/gateway.h"

static SSL_CTX *current;

/* Workers already forked have their own copy of the old context: the master's can go. */
static void
replace(SSL_CTX *ctx)
{
	if (current != NULL)
		SSL_CTX_free(current);
	current = ctx;
}

static void
openssl_error(char *err, size_t errsize, const char *what, const char *path)
{
	char reason[160];

	ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
	snprintf(err, errsize, "[gateway] %s %s: %s", what, path, reason);
	ERR_clear_error();
}

int
gw_tls_load(const struct config *cfg, char *err, size_t errsize)
{
	const char *cert = config_str(cfg, "gateway", "tls_certificate");
	const char *key = config_str(cfg, "gateway", "tls_key");
	SSL_CTX *ctx;

	if (cert[0] == '\0' && key[0] == '\0') {
		replace(NULL);
		return 0;
	}
	if (cert[0] == '\0' || key[0] == '\0') {
		snprintf(err, errsize, "[gateway] tls_certificate and tls_key go together: set both or neither");
		return -1;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		openssl_error(err, errsize, "tls", "context");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		openssl_error(err, errsize, "tls_certificate", cert);
		SSL_CTX_free(ctx);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		openssl_error(err, errsize, "tls_key", key);
		SSL_CTX_free(ctx);
		return -1;
	}
	h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
	replace(ctx);
	return 0;
}

SSL_CTX *
gw_tls_context(void)
{
	return current;
}
