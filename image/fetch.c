/* image/fetch.c: downloading an image with libcurl: resumed, retried, bounded in time, and checked before it is kept.
 *
 * The bytes go to DEST.part, which survives an interrupted run: the next
 * attempt (in this run after a dropped connection, or in the next `up` after
 * Ctrl-C) asks only for the rest with a Range request. Only a file whose
 * SHA-256 is the one the lab names is renamed to DEST; a mismatch removes
 * the partial file, so nothing unverified stays in the cache. */
#include "image/image_int.h"

#include "core/base/util.h"
#include "image/sha256.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FETCH_ATTEMPTS 5		/* UMLLAB_DOWNLOAD_RETRIES overrides (attempts after the first) */
#define FETCH_CONNECT_TIMEOUT 30	/* seconds to connect */
#define FETCH_STALL_SECONDS 30		/* UMLLAB_DOWNLOAD_STALL overrides: less than 1 KB/s this long aborts */
#define FETCH_MAX_BYTES (64ULL << 30)	/* UMLLAB_DOWNLOAD_MAX lowers it (umllab grade does) */

struct fetch {
	const struct image_request *req;
	int fd;
	uint64_t offset;		/* bytes already in the .part file when this attempt began */
	uint64_t got;			/* bytes written in this attempt */
	uint64_t max;			/* the whole file may not be bigger */
	bool too_big;
	int write_errno;
};

static size_t fetch_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * nmemb;
	if (f->offset + f->got + len > f->max) {
		f->too_big = true;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	f->got += len;
	if (write_all(f->fd, ptr, len) < 0) {
		f->write_errno = errno;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	return len;
}

static int fetch_meter(void *arg, curl_off_t total, curl_off_t now, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)ultotal;
	(void)ulnow;
	struct fetch *f = arg;
	if (f->req->meter != NULL)
		f->req->meter(f->req->progress_arg, f->req->url, f->offset + (uint64_t)now,
		    total > 0 ? f->offset + (uint64_t)total : 0);
	return 0;
}

static long env_long(const char *name, long def, long max)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	return *end == '\0' && n >= 0 && n <= max ? n : def;
}

/* Errors worth another attempt: the network, the server's side, time. */
static bool fetch_retryable(CURLcode res, long http)
{
	switch (res) {
	case CURLE_HTTP_RETURNED_ERROR:
		return http >= 500 || http == 408 || http == 429;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static void fetch_sleep(unsigned seconds)
{
	struct timespec ts = { .tv_sec = seconds };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Check the finished .part file and move it into place. 1: done, 0: mismatch
 * (the file is gone), -1: could not check. */
static int fetch_finish(const struct image_request *req, const char *part, const char *dest,
    char **cause)
{
	char got[65];
	if (sha256_file(part, got) < 0)
		return set_cause(cause, "cannot read %s: %s", part, strerror(errno));
	if (strcasecmp(got, req->sha256) != 0) {
		struct stat st;
		uint64_t size = stat(part, &st) == 0 ? (uint64_t)st.st_size : 0;
		unlink(part);
		set_cause(cause, "checksum mismatch for %s: its %" PRIu64 " bytes have SHA-256 %s, but "
		    "the lab says %s; nothing was kept in the cache (check `sha256:` of the image, "
		    "or whether the URL serves another file now)", req->url, size, got, req->sha256);
		return 0;
	}
	if (rename(part, dest) < 0)
		return set_cause(cause, "cannot move %s to %s: %s", part, dest, strerror(errno));
	return 1;
}

int image_fetch(const struct image_request *req, const char *dest, char **cause)
{
	char *part = xasprintf("%s.part", dest);
	long retries = env_long("UMLLAB_DOWNLOAD_RETRIES", FETCH_ATTEMPTS, 100);
	long stall = env_long("UMLLAB_DOWNLOAD_STALL", FETCH_STALL_SECONDS, 3600);
	uint64_t max = FETCH_MAX_BYTES;
	const char *max_env = getenv("UMLLAB_DOWNLOAD_MAX");
	if (max_env != NULL && *max_env != '\0') {
		char *end;
		unsigned long long m = strtoull(max_env, &end, 10);
		if (*end == '\0' && m > 0 && m < max)
			max = m;
	}
	char errbuf[CURL_ERROR_SIZE];
	int rc = -1;
	CURL *curl = NULL;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		set_cause(cause, "cannot initialise libcurl");
		free(part);
		return -1;
	}
	for (long attempt = 0;; attempt++) {
		struct fetch f = { .req = req, .fd = -1, .max = max };
		f.fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		struct stat st;
		if (f.fd < 0 || fstat(f.fd, &st) < 0) {
			set_cause(cause, "cannot write %s: %s", part, strerror(errno));
			if (f.fd >= 0)
				close(f.fd);
			break;
		}
		f.offset = (uint64_t)st.st_size;
		if (attempt == 0 && f.offset > 0)
			image_progress(req, "resuming the download of %s at %.1f MiB", req->url,
			    (double)f.offset / (1 << 20));
		else if (attempt == 0)
			image_progress(req, "downloading %s", req->url);

		if (curl == NULL && (curl = curl_easy_init()) == NULL) {
			set_cause(cause, "cannot initialise libcurl");
			close(f.fd);
			break;
		}
		curl_easy_reset(curl);
		errbuf[0] = '\0';
		curl_easy_setopt(curl, CURLOPT_URL, req->url);
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
		curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "umllab");
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)FETCH_CONNECT_TIMEOUT);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall > 0 ? stall : 1L);
		curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, fetch_meter);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &f);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		if (f.offset > 0)
			curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)f.offset);
		CURLcode res = curl_easy_perform(curl);
		long http = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
		int close_rc = close(f.fd);
		const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res);

		if (res == CURLE_OK && close_rc < 0) {
			set_cause(cause, "cannot write %s: %s", part, strerror(errno));
			break;
		}
		if (f.too_big || res == CURLE_FILESIZE_EXCEEDED) {
			/* Nothing of it is kept: it will never be used. */
			set_cause(cause, "cannot download %s: it is bigger than %llu bytes (the most a "
			    "download may be here; UMLLAB_DOWNLOAD_MAX)", req->url, (unsigned long long)max);
			unlink(part);
			break;
		}
		if (res == CURLE_WRITE_ERROR && f.write_errno != 0) {
			set_cause(cause, "cannot write %s: %s", part, strerror(f.write_errno));
			break;
		}
		bool restart = false;
		if (res == CURLE_OK || (res == CURLE_HTTP_RETURNED_ERROR && http == 416 && f.offset > 0)) {
			/* 416: what we have is already the whole file, or more than it. */
			int fin = fetch_finish(req, part, dest, cause);
			if (fin != 0) {
				rc = fin > 0 ? 0 : -1;
				break;
			}
			if (res == CURLE_OK || attempt >= retries)
				break;	/* a whole download with the wrong checksum: final */
			image_progress(req, "the partial download did not match; starting %s again", req->url);
			continue;
		}
		if (res == CURLE_RANGE_ERROR) {
			/* The server cannot resume: start again from the beginning. */
			restart = true;
		} else if (!fetch_retryable(res, http)) {
			if (res == CURLE_HTTP_RETURNED_ERROR)
				set_cause(cause, "cannot download %s: the server answered %ld (check the URL)",
				    req->url, http);
			else
				set_cause(cause, "cannot download %s: %s", req->url, why);
			if (f.offset == 0)
				unlink(part);
			break;
		}
		if (attempt >= retries) {
			set_cause(cause, "cannot download %s: %s (gave up after %ld attempts; the "
			    "%.1f MiB received so far are kept, and the next try resumes)", req->url, why,
			    attempt + 1, (double)(stat(part, &st) == 0 ? st.st_size : 0) / (1 << 20));
			break;
		}
		if (restart && truncate(part, 0) < 0) {
			set_cause(cause, "cannot truncate %s: %s", part, strerror(errno));
			break;
		}
		unsigned wait = attempt < 4 ? 1u << attempt : 10u;
		image_progress(req, "download interrupted (%s); %s in %u s (attempt %ld of %ld)", why,
		    restart ? "starting again" : "resuming", wait, attempt + 2, retries + 1);
		fetch_sleep(wait);
	}
	if (curl != NULL)
		curl_easy_cleanup(curl);
	curl_global_cleanup();
	free(part);
	return rc;
}
