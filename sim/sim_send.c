/*
 * sim_send.c: the delivery queue and its workers. Jobs live in two lists under one mutex:
 * ready (each with the monotonic time it is due) and held. Workers take the earliest due job,
 * send it without the lock, and put it back with a later due time when it must be retried.
 */
#include "sim/sim_send.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "sim/sim_rng.h"
#include "sim/sim_sign.h"

typedef struct job {
	struct job *next;
	char *url, *body, *event_id, *event_type, *secret;
	size_t len;
	seam_sim_sign_e sign;
	int copy, attempt;
	int retry_transient;
	seam_sim_done_fn done;
	void *done_ctx;
	int64_t due_ms; /* monotonic */
} job_t;

typedef struct log_ent {
	int64_t seq, time_ms;
	char *event_id, *event_type, *url, *outcome, *error;
	int copy, attempt, status;
} log_ent_t;

struct seam_sim_sender {
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	pthread_t *threads;
	int nthreads;
	int stopping;
	char *name;
	int attempts;
	int64_t *backoff;
	size_t nbackoff;
	int64_t timeout_ms;
	seam_sim_faults_t *faults;
	seam_sim_transport_fn transport;
	void *tctx;
	seam_sim_rng_t rng;
	job_t *ready, *held;
	size_t nready, nheld;
	int in_flight;
	int64_t delivered, failed, rejected, lost;
	log_ent_t *log;
	size_t log_cap, log_n, log_head;
	int64_t seq;
};

static int64_t mono_ms(void)
{
	return seam_mono_ns() / 1000000;
}

static void job_free(job_t *j)
{
	if (!j)
		return;
	free(j->url);
	free(j->body);
	free(j->event_id);
	free(j->event_type);
	free(j->secret);
	free(j);
}

static void log_ent_clear(log_ent_t *e)
{
	free(e->event_id);
	free(e->event_type);
	free(e->url);
	free(e->outcome);
	free(e->error);
	memset(e, 0, sizeof *e);
}

/* Lock held. */
static void log_add(seam_sim_sender_t *s, const job_t *j, int status, const char *outcome,
		    const char *error)
{
	if (!s->log_cap)
		return;
	log_ent_t *e;
	if (s->log_n < s->log_cap) {
		e = &s->log[(s->log_head + s->log_n) % s->log_cap];
		s->log_n++;
	} else {
		e = &s->log[s->log_head];
		log_ent_clear(e);
		s->log_head = (s->log_head + 1) % s->log_cap;
	}
	e->seq = ++s->seq;
	e->time_ms = seam_now_ms();
	e->event_id = strdup(j->event_id ? j->event_id : "");
	e->event_type = strdup(j->event_type ? j->event_type : "");
	e->url = strdup(j->url);
	e->outcome = strdup(outcome);
	e->error = error && *error ? strdup(error) : NULL;
	e->copy = j->copy;
	e->attempt = j->attempt;
	e->status = status;
}

/* ---- libcurl transport ---- */

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return sz * n;
}

static int curl_transport(void *tctx, const char *url, const seam_sim_kv_t *hdr, size_t nhdr,
			  const char *body, size_t len, int64_t timeout_ms, char *err,
			  size_t errcap)
{
	(void)tctx;
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errcap, "curl_easy_init failed");
		return -1;
	}
	struct curl_slist *list = NULL;
	char line[1024];
	for (size_t i = 0; i < nhdr; i++) {
		snprintf(line, sizeof line, "%s: %s", hdr[i].k, hdr[i].v);
		list = curl_slist_append(list, line);
	}
	list = curl_slist_append(list, "Expect:");
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 2000 ? timeout_ms : 2000));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* senders do not follow redirects */
	CURLcode rc = curl_easy_perform(h);
	long status = -1;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errcap, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
	curl_slist_free_all(list);
	curl_easy_cleanup(h);
	return (int)status;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct rbuf {
	char *p;
	size_t n, cap;
} rbuf_t;

static size_t keep(char *p, size_t sz, size_t n, void *ud)
{
	rbuf_t *b = ud;
	size_t len = sz * n;
	size_t room = b->cap > b->n + 1 ? b->cap - b->n - 1 : 0;
	size_t take = len < room ? len : room;
	memcpy(b->p + b->n, p, take);
	b->n += take;
	b->p[b->n] = '\0';
	return len; /* the rest is read and dropped, not an error */
}

int seam_sim_exchange_http(void *xctx, const char *url, const char *ctype, const char *body,
			   size_t len, int64_t timeout_ms, char *resp, size_t respcap, char *err,
			   size_t errcap)
{
	(void)xctx;
	rbuf_t b = {.p = resp, .cap = respcap};
	pthread_once(&curl_once, curl_init_once);
	if (respcap)
		resp[0] = '\0';
	CURL *h = curl_easy_init();
	if (!h || !respcap) {
		snprintf(err, errcap, "curl_easy_init failed");
		curl_easy_cleanup(h);
		return -1;
	}
	struct curl_slist *list = NULL;
	char line[256];
	if (ctype) {
		snprintf(line, sizeof line, "Content-Type: %s", ctype);
		list = curl_slist_append(list, line);
	}
	list = curl_slist_append(list, "Expect:");
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 2000 ? timeout_ms : 2000));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	CURLcode rc = curl_easy_perform(h);
	long status = -1;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errcap, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
	curl_slist_free_all(list);
	curl_easy_cleanup(h);
	return (int)status;
}


/* ---- workers ---- */

static int send_one(seam_sim_sender_t *s, job_t *j, char *err, size_t errcap)
{
	seam_sim_kv_t hdr[6];
	size_t n = 0;
	char ts[24], sig[160];
	int64_t now_s = seam_now_ms() / 1000;
	snprintf(ts, sizeof ts, "%lld", (long long)now_s);
	hdr[n].k = "Content-Type";
	hdr[n++].v = "application/json";
	switch (j->sign) {
	case SEAM_SIM_SIGN_STANDARD:
		hdr[n].k = "User-Agent";
		hdr[n++].v = "seam_bridge (Drupal Commerce)";
		hdr[n].k = "webhook-id";
		hdr[n++].v = j->event_id;
		hdr[n].k = "webhook-timestamp";
		hdr[n++].v = ts;
		if (seam_sim_sign_standard(j->secret ? j->secret : "", j->event_id, now_s, j->body,
					   j->len, sig, sizeof sig) != 0)
			snprintf(sig, sizeof sig, "v1,invalid-secret");
		hdr[n].k = "webhook-signature";
		hdr[n++].v = sig;
		break;
	case SEAM_SIM_SIGN_STRIPE:
		hdr[n].k = "User-Agent";
		hdr[n++].v = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";
		seam_sim_sign_stripe(j->secret ? j->secret : "", now_s, j->body, j->len, sig,
				     sizeof sig);
		hdr[n].k = "Stripe-Signature";
		hdr[n++].v = sig;
		break;
	case SEAM_SIM_SIGN_AKENEO:
		hdr[n].k = "User-Agent";
		hdr[n++].v = "AkeneoPIM/7.0 (events API)";
		hdr[n].k = "X-Akeneo-Request-Timestamp";
		hdr[n++].v = ts;
		seam_sim_sign_akeneo(j->secret ? j->secret : "", now_s, j->body, j->len, sig);
		hdr[n].k = "X-Akeneo-Request-Signature";
		hdr[n++].v = sig;
		break;
	default:
		hdr[n].k = "User-Agent";
		hdr[n++].v = "Adyen HttpClient 1.0";
		break;
	}
	return s->transport(s->tctx, j->url, hdr, n, j->body, j->len, s->timeout_ms, err, errcap);
}

/* Lock held. */
static job_t *take_due(seam_sim_sender_t *s, int64_t now, int64_t *next_due)
{
	job_t **best = NULL;
	*next_due = INT64_MAX;
	/* ready is newest first: on equal due times the last one (the oldest) wins, so
	 * deliveries queued in the same millisecond leave in the order they were queued */
	for (job_t **pp = &s->ready; *pp; pp = &(*pp)->next) {
		if (!best || (*pp)->due_ms <= (*best)->due_ms)
			best = pp;
	}
	if (!best)
		return NULL;
	if ((*best)->due_ms > now) {
		*next_due = (*best)->due_ms;
		return NULL;
	}
	job_t *j = *best;
	*best = j->next;
	j->next = NULL;
	s->nready--;
	return j;
}

static void *worker(void *arg)
{
	seam_sim_sender_t *s = arg;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		int64_t next_due;
		job_t *j = take_due(s, mono_ms(), &next_due);
		if (!j) {
			if (next_due == INT64_MAX) {
				pthread_cond_wait(&s->work, &s->mu);
			} else {
				int64_t wait = next_due - mono_ms();
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				if (wait < 1)
					wait = 1;
				ts.tv_sec += wait / 1000;
				ts.tv_nsec += (wait % 1000) * 1000000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&s->work, &s->mu, &ts);
			}
			continue;
		}
		s->in_flight++;
		pthread_mutex_unlock(&s->mu);
		char err[256] = "";
		int status = send_one(s, j, err, sizeof err);
		pthread_mutex_lock(&s->mu);
		s->in_flight--;
		j->attempt++;
		const char *end = NULL;
		if (status >= 200 && status < 300) {
			s->delivered++;
			log_add(s, j, status, "delivered", NULL);
			end = "delivered";
		} else if (j->retry_transient && status >= 0 && status != 408 && status != 429 &&
			   (status < 500 || status > 599)) {
			s->rejected++;
			log_add(s, j, status, "rejected", err);
			end = "rejected";
		} else if (j->attempt < s->attempts && !s->stopping) {
			size_t bi = (size_t)(j->attempt - 1);
			if (bi >= s->nbackoff)
				bi = s->nbackoff - 1;
			j->due_ms = mono_ms() + s->backoff[bi];
			log_add(s, j, status, "retrying", err);
			j->next = s->ready;
			s->ready = j;
			s->nready++;
			pthread_cond_signal(&s->work);
		} else {
			s->failed++;
			log_add(s, j, status, "failed", err);
			end = "failed";
		}
		if (end) {
			/* told without the lock (the callback takes its double's lock), and while
			 * counted in flight, so that a flush also waits for the callback */
			if (j->done) {
				s->in_flight++;
				pthread_mutex_unlock(&s->mu);
				j->done(j->done_ctx, j->event_id, j->body, j->len, status, end);
				pthread_mutex_lock(&s->mu);
				s->in_flight--;
			}
			job_free(j);
		}
		if (s->nready == 0 && s->in_flight == 0)
			pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

seam_sim_sender_t *seam_sim_sender_create(const seam_sim_sender_opts_t *o)
{
	static const int64_t def_backoff[] = {100, 200, 400, 800};
	seam_sim_sender_t *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	pthread_once(&curl_once, curl_init_once);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->name = strdup(o->name ? o->name : "sender");
	s->attempts = o->attempts > 0 ? o->attempts : 5;
	const int64_t *bo = o->nbackoff ? o->backoff_ms : def_backoff;
	s->nbackoff = o->nbackoff ? o->nbackoff : sizeof def_backoff / sizeof *def_backoff;
	s->backoff = malloc(s->nbackoff * sizeof *s->backoff);
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	s->faults = o->faults;
	s->transport = o->transport ? o->transport : curl_transport;
	s->tctx = o->tctx;
	s->log_cap = o->log_cap ? o->log_cap : 5000;
	s->log = calloc(s->log_cap, sizeof *s->log);
	seam_sim_rng_init(&s->rng, o->seed, "sender-shuffle");
	s->nthreads = o->workers > 0 ? o->workers : 8;
	s->threads = calloc((size_t)s->nthreads, sizeof *s->threads);
	if (!s->name || !s->backoff || !s->log || !s->threads) {
		free(s->name);
		free(s->backoff);
		free(s->log);
		free(s->threads);
		free(s);
		return NULL;
	}
	memcpy(s->backoff, bo, s->nbackoff * sizeof *s->backoff);
	for (int i = 0; i < s->nthreads; i++) {
		if (pthread_create(&s->threads[i], NULL, worker, s) != 0) {
			s->nthreads = i;
			break;
		}
	}
	return s;
}

static void free_list(job_t *j)
{
	while (j) {
		job_t *n = j->next;
		job_free(j);
		j = n;
	}
}

void seam_sim_sender_destroy(seam_sim_sender_t *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->work);
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	free_list(s->ready);
	free_list(s->held);
	for (size_t i = 0; i < s->log_cap; i++)
		log_ent_clear(&s->log[i]);
	free(s->log);
	free(s->threads);
	free(s->backoff);
	free(s->name);
	seam_sim_rng_dispose(&s->rng);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static job_t *job_new(const seam_sim_delivery_t *d, int copy)
{
	job_t *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->url = strdup(d->url);
	j->body = malloc(d->len + 1);
	j->event_id = strdup(d->event_id ? d->event_id : "");
	j->event_type = strdup(d->event_type ? d->event_type : "");
	j->secret = d->secret ? strdup(d->secret) : NULL;
	if (!j->url || !j->body || !j->event_id || !j->event_type || (d->secret && !j->secret)) {
		job_free(j);
		return NULL;
	}
	memcpy(j->body, d->body, d->len);
	j->body[d->len] = '\0';
	j->len = d->len;
	j->sign = d->sign;
	j->copy = copy;
	j->retry_transient = d->retry_transient;
	j->done = d->done;
	j->done_ctx = d->done_ctx;
	return j;
}

/* Lock held. Moves every held job to ready, optionally shuffled. */
static size_t release_locked(seam_sim_sender_t *s, int shuffle)
{
	size_t n = s->nheld;
	if (!n)
		return 0;
	job_t **arr = malloc(n * sizeof *arr);
	if (!arr)
		return 0;
	size_t i = 0;
	for (job_t *j = s->held; j; j = j->next)
		arr[i++] = j;
	/* held is newest first; restore arrival order before any shuffle */
	for (size_t a = 0, b = n - 1; a < b; a++, b--) {
		job_t *t = arr[a];
		arr[a] = arr[b];
		arr[b] = t;
	}
	if (shuffle)
		seam_sim_rng_shuffle(&s->rng, (void **)arr, n);
	int64_t now = mono_ms();
	for (i = 0; i < n; i++) {
		/* strictly increasing due times keep the chosen order with a single worker */
		arr[i]->due_ms = now + (int64_t)i;
		arr[i]->next = s->ready;
		s->ready = arr[i];
		s->nready++;
	}
	s->held = NULL;
	s->nheld = 0;
	free(arr);
	pthread_cond_broadcast(&s->work);
	return n;
}

int seam_sim_sender_send(seam_sim_sender_t *s, const seam_sim_delivery_t *d)
{
	seam_sim_outbound_t fo = {.copies = 1};
	if (s->faults) {
		const char *p = strstr(d->url, "://");
		p = p ? strchr(p + 3, '/') : NULL;
		seam_sim_faults_outbound(s->faults, p ? p : "/", &fo);
	}
	int copies = d->copies > fo.copies ? d->copies : fo.copies;
	if (copies < 1)
		copies = 1;
	pthread_mutex_lock(&s->mu);
	if (fo.lose || d->lose) {
		job_t tmp = {.url = (char *)d->url, .event_id = (char *)d->event_id,
			     .event_type = (char *)d->event_type, .copy = 1};
		s->lost++;
		log_add(s, &tmp, 0, "lost", d->lose ? "dropped by drop_rate" : "lost by a fault rule");
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	int64_t now = mono_ms();
	int queued = 0;
	for (int c = 1; c <= copies; c++) {
		job_t *j = job_new(d, c);
		if (!j)
			break;
		queued++;
		if (d->hold || fo.batch > 1) {
			j->next = s->held;
			s->held = j;
			s->nheld++;
			log_add(s, j, 0, "held", NULL);
		} else {
			/* sequential copies are spaced a little apart; concurrent ones leave at once */
			j->due_ms = now + (d->concurrent || fo.concurrent ? 0 : (int64_t)(c - 1) * 5);
			j->next = s->ready;
			s->ready = j;
			s->nready++;
		}
	}
	if (fo.batch > 1 && s->nheld >= (size_t)fo.batch)
		release_locked(s, 1);
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	return queued;
}

size_t seam_sim_sender_release(seam_sim_sender_t *s, int shuffle)
{
	pthread_mutex_lock(&s->mu);
	size_t n = release_locked(s, shuffle);
	pthread_mutex_unlock(&s->mu);
	return n;
}

int seam_sim_sender_flush(seam_sim_sender_t *s, int64_t timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	int rc = 0;
	pthread_mutex_lock(&s->mu);
	while ((s->nready > 0 || s->in_flight > 0) && !s->stopping) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			rc = -1;
			break;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (left > 50)
			left = 50;
		ts.tv_nsec += left * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->idle, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

json_t *seam_sim_sender_log(seam_sim_sender_t *s, int64_t since, size_t limit)
{
	json_t *a = json_array();
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->log_n && json_array_size(a) < limit; i++) {
		log_ent_t *e = &s->log[(s->log_head + i) % s->log_cap];
		if (e->seq <= since)
			continue;
		char ts[25];
		seam_rfc3339_ms(e->time_ms, ts);
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "seq",
				      (json_int_t)e->seq, "time", ts, "event_id", e->event_id,
				      "event_type", e->event_type, "url", e->url, "copy", e->copy,
				      "attempt", e->attempt, "status", e->status, "outcome",
				      e->outcome);
		if (o && e->error)
			json_object_set_new(o, "error", json_string(e->error));
		json_array_append_new(a, o);
	}
	pthread_mutex_unlock(&s->mu);
	return a;
}

json_t *seam_sim_sender_stats(seam_sim_sender_t *s)
{
	pthread_mutex_lock(&s->mu);
	json_t *o = json_pack("{s:I, s:I, s:i, s:I, s:I, s:I, s:I}", "queued",
			      (json_int_t)s->nready, "held", (json_int_t)s->nheld, "in_flight",
			      s->in_flight, "delivered", (json_int_t)s->delivered, "failed",
			      (json_int_t)s->failed, "rejected", (json_int_t)s->rejected, "lost",
			      (json_int_t)s->lost);
	pthread_mutex_unlock(&s->mu);
	return o;
}

void seam_sim_sender_reset(seam_sim_sender_t *s)
{
	pthread_mutex_lock(&s->mu);
	free_list(s->held);
	s->held = NULL;
	s->nheld = 0;
	for (size_t i = 0; i < s->log_cap; i++)
		log_ent_clear(&s->log[i]);
	s->log_n = 0;
	s->log_head = 0;
	s->delivered = s->failed = s->rejected = s->lost = 0;
	pthread_mutex_unlock(&s->mu);
}

seam_err_t seam_sim_sender_opts_read(const seam_sim_config_t *cfg, const json_t *obj,
				     seam_sim_sender_opts_t *opts, int64_t buf[16],
				     seam_error_t *err)
{
	int64_t v;
	seam_err_t rc = seam_sim_cfg_int(cfg, obj, "attempts", 5, 1, 100, &v, err);
	if (rc)
		return rc;
	opts->attempts = (int)v;
	if ((rc = seam_sim_cfg_int(cfg, obj, "workers", 8, 1, 64, &v, err)))
		return rc;
	opts->workers = (int)v;
	if ((rc = seam_sim_cfg_duration(cfg, obj, "timeout", 5000, &opts->timeout_ms, err)))
		return rc;
	json_t *bo = json_is_object(obj) ? json_object_get(obj, "backoff") : NULL;
	opts->nbackoff = 0;
	if (bo && !json_is_null(bo)) {
		if (!json_is_array(bo) || json_array_size(bo) == 0 || json_array_size(bo) > 16)
			return seam_sim_config_errorf(cfg, bo, err,
						      "backoff: expected a list of 1..16 durations");
		size_t i;
		json_t *x;
		json_array_foreach(bo, i, x) {
			json_t *wrap = json_pack("{s:O}", "d", x);
			rc = seam_sim_cfg_duration(cfg, wrap, "d", 0, &buf[i], err);
			json_decref(wrap);
			if (rc)
				return seam_sim_config_errorf(cfg, x, err,
							      "backoff: expected durations like 200ms");
		}
		opts->backoff_ms = buf;
		opts->nbackoff = json_array_size(bo);
	}
	return SEAM_OK;
}
