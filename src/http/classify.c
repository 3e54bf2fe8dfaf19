/*
 * classify.c: the retry class of an upstream exchange (see classify.h for the table).
 * Thread-safety: pure functions.
 */
#include "http/classify.h"

#include <curl/curl.h>

seam_err_t seam_upstream_classify(long status, int curl_code)
{
	if (curl_code != CURLE_OK) {
		switch ((CURLcode)curl_code) {
		case CURLE_OPERATION_TIMEDOUT:
			return SEAM_TIMEOUT;
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_NOT_BUILT_IN:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_SSL_ENGINE_NOTFOUND:
		case CURLE_SSL_ENGINE_SETFAILED:
		case CURLE_SSL_ENGINE_INITFAILED:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_INVALIDCERTSTATUS:
		case CURLE_LOGIN_DENIED:
		case CURLE_TOO_MANY_REDIRECTS:
		case CURLE_BAD_CONTENT_ENCODING:
		case CURLE_FILESIZE_EXCEEDED:
		case CURLE_WRITE_ERROR:
		case CURLE_BAD_FUNCTION_ARGUMENT:
		case CURLE_UNKNOWN_OPTION:
		case CURLE_SETOPT_OPTION_SYNTAX:
		case CURLE_FUNCTION_NOT_FOUND:
			return SEAM_PERMANENT;
		default:
			/* Resolve, connect, send, receive, empty reply, HTTP/2 stream resets, TLS
			 * handshake hiccups: the network, not the request. */
			return SEAM_RETRY;
		}
	}
	if ((status >= 200 && status <= 299) || status == 304)
		return SEAM_OK;
	if (status == 408 || status == 425 || status == 429)
		return SEAM_RETRY;
	if (status >= 500 && status <= 599)
		return status == 501 || status == 505 ? SEAM_PERMANENT : SEAM_RETRY;
	if (status <= 0)
		return SEAM_RETRY; /* no status although curl finished: treat like an empty reply */
	return SEAM_PERMANENT;
}

int seam_upstream_retryable(seam_err_t rc)
{
	return rc == SEAM_RETRY || rc == SEAM_TIMEOUT || rc == SEAM_BUSY || rc == SEAM_OPEN_CIRCUIT;
}
