/*
 * notify.c: Business Central's webhook notifications (Microsoft's "Working with webhooks in
 * Dynamics 365 Business Central", "Notifications and change types"), sent through sim_send.h.
 *
 * Windows: a change offered to a subscription (seam__sim_erp_changed) opens a window for the
 * subscription's notificationUrl unless one is open; it closes notify_delay after that first
 * change (BC waits 30 s by default). Until then each subscription keeps, per changed record,
 * the last change type and time, so a record changed five times in the window makes one
 * notification. Change types fold: deleted wins, created stays created, else the last one.
 * When more than notify_max (record, subscription) pairs wait for one URL, the pairs are
 * dropped and each subscription of that URL sends one notification instead, changeType
 * "collection", resource /api/v2.0/companies(<id>)/<entity>?$filter=lastModifiedDateTime%20gt%20
 * <its first change in the window - 1 ms> (BC's example shows the time of the first change;
 * the millisecond before it makes "gt" include that change), lastModifiedDateTime its last.
 *
 * Sending: at close one POST carries every notification of every subscription on that URL,
 * {"value": [{subscriptionId, clientState, expirationDateTime, resource, changeType,
 * lastModifiedDateTime}]}; records are named "api/v2.0/companies(<id>)/items(<id>)" (no
 * leading slash, as in BC's sample). The sender applies the double's outbound fault rules
 * (lose, duplicate, reorder) and retries 408, 429, 5xx and no answer within its bounded
 * schedule; any other non-2xx answer is final and deletes the subscriptions in that body, as
 * BC does (logged, and listed under "removed" by GET /_sim/erp/subscriptions).
 *
 * Part of the ERP double (API: sim/sim_erp.h); the locking rule is in erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"

static const char *const entity[] = {"items", "salesPrices"};

static int64_t mono_ms(void)
{
	return seam_mono_ns() / 1000000;
}

static erp_window_t *window_of(seam_sim_erp_t *e, const char *url)
{
	for (size_t i = 0; i < e->nwins; i++)
		if (!strcmp(e->wins[i].url, url))
			return &e->wins[i];
	return NULL;
}

/* The open window of url, opened now when there is none. NULL when out of memory. */
static erp_window_t *window_need(seam_sim_erp_t *e, const char *url)
{
	erp_window_t *w = window_of(e, url);
	if (w)
		return w;
	if (e->nwins == e->capwins) {
		size_t nc = e->capwins ? e->capwins * 2 : 4;
		erp_window_t *p = realloc(e->wins, nc * sizeof *p);
		if (!p)
			return NULL;
		e->wins = p;
		e->capwins = nc;
	}
	w = &e->wins[e->nwins];
	if (!(w->url = strdup(url)))
		return NULL;
	w->due_ms = mono_ms() + e->notify_delay_ms;
	w->entries = 0;
	e->nwins++;
	pthread_cond_signal(&e->wake);
	return w;
}

void seam__sim_erp_window_open(seam_sim_erp_t *e, const char *url)
{
	window_need(e, url);
}

void seam__sim_erp_windows_clear(seam_sim_erp_t *e)
{
	for (size_t i = 0; i < e->nwins; i++)
		free(e->wins[i].url);
	e->nwins = 0;
}

void seam__sim_erp_sub_forget(seam_sim_erp_t *e, erp_sub_t *s)
{
	erp_window_t *w = window_of(e, s->url);
	size_t n = json_object_size(s->pending);
	if (w)
		w->entries -= n < w->entries ? n : w->entries;
	json_decref(s->pending);
	s->pending = NULL;
	s->w_changes = 0;
	s->collection = 0;
}

static const char *fold(const char *old, const char *now)
{
	if (!strcmp(now, "deleted") || !old)
		return now;
	if (!strcmp(old, "created"))
		return "created";
	return now;
}

/* More than notify_max pairs wait for w's URL: its subscriptions switch to "collection". */
static void overflow(seam_sim_erp_t *e, erp_window_t *w)
{
	for (size_t i = 0; i < e->nsubs; i++) {
		erp_sub_t *s = e->subs[i];
		if (!strcmp(s->url, w->url) && s->w_changes) {
			json_decref(s->pending);
			s->pending = NULL;
			s->collection = 1;
		}
	}
	w->entries = 0;
}

void seam__sim_erp_changed(seam_sim_erp_t *e, erp_res_e kind, size_t company, const char *id,
			   const char *type, int64_t n, int64_t first_ms, int64_t last_ms)
{
	int64_t now = seam_now_ms();
	if (!id)
		return;
	for (size_t i = 0; i < e->nsubs; i++) {
		erp_sub_t *s = e->subs[i];
		if (s->kind != kind || (kind == ERP_RES_PRICES && s->company != company) ||
		    s->expires_ms <= now)
			continue;
		erp_window_t *w = window_need(e, s->url);
		if (!w)
			continue;
		s->changes += n;
		if (!s->w_changes || first_ms < s->w_first_ms)
			s->w_first_ms = first_ms;
		if (!s->w_changes || last_ms > s->w_last_ms)
			s->w_last_ms = last_ms;
		s->w_changes += n;
		if (s->collection)
			continue;
		if (!s->pending && !(s->pending = json_object()))
			continue;
		json_t *p = json_object_get(s->pending, id);
		if (p) {
			const char *t = fold(json_string_value(json_array_get(p, 0)), type);
			int64_t at = json_integer_value(json_array_get(p, 1));
			json_array_set_new(p, 0, json_string(t));
			json_array_set_new(p, 1, json_integer(last_ms > at ? last_ms : at));
			continue;
		}
		json_object_set_new(s->pending, id, json_pack("[s, I]", type, (json_int_t)last_ms));
		if (++w->entries > (size_t)e->notify_max)
			overflow(e, w);
	}
}

/* ---- sending ---- */

/* How a body ended, per copy (sim_send's worker, without the sender's lock). */
static void on_done(void *ctx, const char *event_id, const char *body, size_t len, int status,
		    const char *outcome)
{
	seam_sim_erp_t *e = ctx;
	json_t *doc = json_loadb(body, len, 0, NULL);
	size_t i;
	json_t *v;
	(void)event_id;
	pthread_mutex_lock(&e->mu);
	json_array_foreach(json_object_get(doc, "value"), i, v) {
		erp_sub_t *s = seam__sim_erp_sub_find(
			e, json_string_value(json_object_get(v, "subscriptionId")));
		if (!s)
			continue;
		if (!strcmp(outcome, "delivered"))
			s->sent++;
		else if (!strcmp(outcome, "rejected"))
			s->rejected++;
		else
			s->failed++;
	}
	if (!strcmp(outcome, "rejected")) {
		/* BC: any answer but 2xx, 408, 429 or 5xx deletes the subscription */
		json_array_foreach(json_object_get(doc, "value"), i, v) {
			const char *sid = json_string_value(json_object_get(v, "subscriptionId"));
			for (size_t k = 0; sid && k < e->nsubs; k++) {
				if (!strcasecmp(e->subs[k]->id, sid)) {
					seam__sim_erp_sub_remove(e, k, "rejected", status);
					break;
				}
			}
		}
	}
	pthread_mutex_unlock(&e->mu);
	json_decref(doc);
}

/* One notification (new reference). */
static json_t *note(const erp_sub_t *s, const char *exp, const char *res, const char *type,
		    const char *at)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "subscriptionId", s->id, "clientState",
			 s->client_state ? s->client_state : "", "expirationDateTime", exp,
			 "resource", res, "changeType", type, "lastModifiedDateTime", at);
}

typedef struct took {
	erp_sub_t *s;
	int64_t n;
} took_t;

/* Closes window wi: one body with the notifications of every subscription on its URL. Lock
 * held. Returns 1 when a body was sent, else 0. */
static int close_window(seam_sim_erp_t *e, size_t wi)
{
	char *url = e->wins[wi].url;
	took_t took[ERP_MAX_SUBS];
	size_t ntook = 0;
	json_t *value = json_array();
	e->wins[wi] = e->wins[--e->nwins];
	seam__sim_erp_subs_purge(e);
	for (size_t i = 0; i < e->nsubs; i++) {
		erp_sub_t *s = e->subs[i];
		if (strcmp(s->url, url) || !s->w_changes)
			continue;
		const char *cid = e->companies[s->company].id;
		char exp[25], at[25], res[256];
		int64_t n = 0;
		seam_rfc3339_ms(s->expires_ms, exp);
		if (s->collection) {
			char since[25];
			seam_rfc3339_ms(s->w_first_ms - 1, since);
			seam_rfc3339_ms(s->w_last_ms, at);
			snprintf(res, sizeof res,
				 "/api/v2.0/companies(%s)/%s"
				 "?$filter=lastModifiedDateTime%%20gt%%20%s",
				 cid, entity[s->kind], since);
			json_array_append_new(value, note(s, exp, res, "collection", at));
			n = 1;
		} else {
			const char *id;
			json_t *p;
			json_object_foreach(s->pending, id, p) {
				seam_rfc3339_ms(json_integer_value(json_array_get(p, 1)), at);
				snprintf(res, sizeof res, "api/v2.0/companies(%s)/%s(%s)", cid,
					 entity[s->kind], id);
				json_array_append_new(
					value, note(s, exp, res,
						    json_string_value(json_array_get(p, 0)), at));
				n++;
			}
		}
		s->queued += n;
		took[ntook++] = (took_t){s, n};
		json_decref(s->pending);
		s->pending = NULL;
		s->w_changes = 0;
		s->collection = 0;
	}
	int sent = 0;
	if (json_array_size(value) > 0) {
		json_t *doc = json_pack("{s:O}", "value", value);
		char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
		char eid[48];
		snprintf(eid, sizeof eid, "erp-notification-%lld", (long long)++e->next_body);
		if (body) {
			seam_sim_delivery_t d = {.url = url, .body = body, .len = strlen(body),
						 .event_id = eid, .event_type = "bc.notification",
						 .sign = SEAM_SIM_SIGN_NONE, .retry_transient = 1,
						 .done = on_done, .done_ctx = e};
			int copies = seam_sim_sender_send(e->sender, &d);
			for (size_t i = 0; i < ntook; i++) {
				if (copies == 0)
					took[i].s->lost += took[i].n;
				else if (copies > 1)
					took[i].s->duplicated += took[i].n * (copies - 1);
			}
			e->bodies++;
			sent = 1;
		}
		free(body);
		json_decref(doc);
	}
	json_decref(value);
	free(url);
	return sent;
}

static void *notifier(void *arg)
{
	seam_sim_erp_t *e = arg;
	pthread_mutex_lock(&e->mu);
	while (!e->stopping) {
		size_t best = e->nwins;
		for (size_t i = 0; i < e->nwins; i++)
			if (best == e->nwins || e->wins[i].due_ms < e->wins[best].due_ms)
				best = i;
		if (best == e->nwins) {
			pthread_cond_wait(&e->wake, &e->mu);
			continue;
		}
		int64_t wait = e->wins[best].due_ms - mono_ms();
		if (wait <= 0) {
			close_window(e, best);
			continue;
		}
		/* a window opened later may close earlier (it never does with one delay, but the
		 * wait is short anyway so that a changed clock cannot stall it) */
		if (wait > 1000)
			wait = 1000;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (wait % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&e->wake, &e->mu, &ts);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

int seam__sim_erp_notifier_start(seam_sim_erp_t *e)
{
	if (pthread_create(&e->notifier, NULL, notifier, e) != 0)
		return -1;
	e->notifier_on = 1;
	return 0;
}

void seam__sim_erp_notifier_stop(seam_sim_erp_t *e)
{
	if (!e->notifier_on)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = 1;
	pthread_cond_broadcast(&e->wake);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->notifier, NULL);
	e->notifier_on = 0;
}

/* POST /_sim/erp/notifications/flush {"wait": true}: closes every open window now and, with
 * wait (the default), waits up to 10 s for the sender to finish what is not held (retries
 * included). Answers {"bodies": n, "deliveries": the sender's counts}. */
void seam__sim_erp_h_flush(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *b = seam_sim_body_json(c);
	int wait = !json_is_false(json_object_get(b, "wait"));
	int64_t n = 0;
	json_decref(b);
	pthread_mutex_lock(&e->mu);
	while (e->nwins > 0)
		n += close_window(e, 0);
	pthread_mutex_unlock(&e->mu);
	int idle = 1;
	if (wait)
		idle = seam_sim_sender_flush(e->sender, 10000) == 0;
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:I, s:b, s:o}", "bodies", (json_int_t)n, "idle", idle,
				      "deliveries", seam_sim_sender_stats(e->sender)));
}
