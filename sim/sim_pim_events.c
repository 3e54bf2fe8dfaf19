/*
 * sim_pim_events.c: the PIM double's Akeneo Events API sender (see sim_pim_events.h). Events
 * wait in a pending array under the mutex; a flush cuts them into messages, draws each
 * message's faults from the "pim_events" stream in message order (so a seed gives the same
 * faults whatever the threads do) and hands them to a sim_send.h sender that signs per attempt.
 */
#include "sim/sim_pim_events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "sim/sim_rng.h"

struct seam_sim_pim_events {
	pthread_mutex_t mu;
	char *url, *secret, *author, *pim_source;
	int64_t batch;
	double lose_rate, dup_rate, delay_rate;
	seam_sim_rng_t rng; /* fault draws and event ids */
	seam_sim_sender_t *sender;
	json_t *pending;    /* array of event objects */
	json_t *later;      /* messages delayed by this flush: [{body, id, copies}] */
	json_t *carry;      /* messages delayed by the previous flush, sent by this one */
	int64_t messages, events, lost, duplicated, delayed;
};

void seam_sim_pim_events_destroy(seam_sim_pim_events_t *ev)
{
	if (!ev)
		return;
	seam_sim_sender_destroy(ev->sender);
	json_decref(ev->pending);
	json_decref(ev->later);
	json_decref(ev->carry);
	seam_sim_rng_dispose(&ev->rng);
	free(ev->url);
	free(ev->secret);
	free(ev->author);
	free(ev->pim_source);
	pthread_mutex_destroy(&ev->mu);
	free(ev);
}

seam_err_t seam_sim_pim_events_create(const seam_sim_config_t *cfg, const json_t *obj,
				      const seam_sim_env_t *env, seam_sim_pim_events_t **out,
				      seam_error_t *err)
{
	static const char *const keys[] = {"url", "secret", "batch", "lose_rate",
					   "duplicate_rate", "delay_rate", "author", "pim_source",
					   "attempts", "backoff", "timeout", "workers", NULL};
	const char *url, *author, *source;
	int64_t bo[16];
	seam_sim_sender_opts_t so = {.name = "pim", .faults = env->faults, .seed = env->seed,
				     .transport = env->transport, .tctx = env->tctx};
	seam_sim_pim_events_t *ev;
	seam_err_t rc;

	*out = NULL;
	if (obj && !json_is_object(obj))
		return seam_sim_config_errorf(cfg, obj, err, "events: expected an object");
	if ((rc = seam_sim_cfg_keys(cfg, obj, keys, err)) ||
	    (rc = seam_sim_cfg_str(cfg, obj, "url", NULL, &url, err)))
		return rc;
	if (!url)
		return SEAM_OK;
	if (!(ev = calloc(1, sizeof *ev)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&ev->mu, NULL);
	seam_sim_rng_init(&ev->rng, env->seed, "pim_events");
	ev->pending = json_array();
	ev->later = json_array();
	ev->carry = json_array();
	if ((rc = seam_sim_cfg_secret(cfg, obj, "secret", "seam-pim-events-secret", &ev->secret,
				      err)) ||
	    (rc = seam_sim_cfg_int(cfg, obj, "batch", SEAM_SIM_PIM_EVENTS_MAX, 1,
				   SEAM_SIM_PIM_EVENTS_MAX, &ev->batch, err)) ||
	    (rc = seam_sim_cfg_double(cfg, obj, "lose_rate", 0, 0, 1, &ev->lose_rate, err)) ||
	    (rc = seam_sim_cfg_double(cfg, obj, "duplicate_rate", 0, 0, 1, &ev->dup_rate, err)) ||
	    (rc = seam_sim_cfg_double(cfg, obj, "delay_rate", 0, 0, 1, &ev->delay_rate, err)) ||
	    (rc = seam_sim_cfg_str(cfg, obj, "author", "seam-sim", &author, err)) ||
	    (rc = seam_sim_cfg_str(cfg, obj, "pim_source", "http://pim.sim", &source, err)) ||
	    (rc = seam_sim_sender_opts_read(cfg, obj, &so, bo, err)))
		goto fail;
	ev->url = strdup(url);
	ev->author = strdup(author);
	ev->pim_source = strdup(source);
	if (!ev->pending || !ev->later || !ev->carry || !ev->url || !ev->author || !ev->pim_source ||
	    !(ev->sender = seam_sim_sender_create(&so))) {
		rc = seam_errorf(err, SEAM_NOMEM, "pim: cannot start the events sender");
		goto fail;
	}
	*out = ev;
	return SEAM_OK;
fail:
	seam_sim_pim_events_destroy(ev);
	return rc;
}

seam_sim_sender_t *seam_sim_pim_events_sender(seam_sim_pim_events_t *ev)
{
	return ev ? ev->sender : NULL;
}

/* The resource as the event carries it: the record without private keys; for removals only
 * the keys that name it. New reference. */
static json_t *resource_of(const char *action, const json_t *rec)
{
	const char *key;
	json_t *v, *res = json_object();
	int removed = strstr(action, ".removed") != NULL;
	json_object_foreach((json_t *)rec, key, v) {
		if (key[0] == '_')
			continue;
		if (removed && strcmp(key, "uuid") && strcmp(key, "identifier") &&
		    strcmp(key, "code"))
			continue;
		json_object_set(res, key, v);
	}
	/* The double's records are products-uuid records (no identifier field); the event names
	 * the product by its identifier too: the double's identifier attribute is "sku". */
	if (!strncmp(action, "product.", 8) && !json_object_get(res, "identifier")) {
		const json_t *sku = json_object_get(
			json_array_get(json_object_get(json_object_get(rec, "values"), "sku"), 0),
			"data");
		if (json_is_string(sku))
			json_object_set(res, "identifier", (json_t *)sku);
	}
	return res;
}

/* Lock held. Hands one message to the sender. */
static void queue_locked(seam_sim_pim_events_t *ev, const char *body, const char *first,
			 int copies, int lose)
{
	seam_sim_delivery_t d = {.url = ev->url, .body = body, .len = strlen(body),
				 .event_id = first, .event_type = "akeneo.events",
				 .sign = SEAM_SIM_SIGN_AKENEO, .secret = ev->secret,
				 .copies = copies, .lose = lose};
	seam_sim_sender_send(ev->sender, &d);
}

/* Lock held. Cuts up to batch pending events into one message and queues it. */
static void send_message_locked(seam_sim_pim_events_t *ev, size_t n)
{
	json_t *evs = json_array(), *msg;
	char *body;
	int lose, copies, hold;
	for (size_t i = 0; i < n; i++)
		json_array_append(evs, json_array_get(ev->pending, i));
	for (size_t i = 0; i < n; i++)
		json_array_remove(ev->pending, 0);
	msg = json_pack("{s:o}", "events", evs);
	body = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	/* Three draws per message, always, so one rate does not shift the others' draws. */
	lose = seam_sim_rng_double(&ev->rng) < ev->lose_rate;
	copies = seam_sim_rng_double(&ev->rng) < ev->dup_rate ? 2 : 1;
	hold = seam_sim_rng_double(&ev->rng) < ev->delay_rate;
	if (body) {
		const char *first = json_string_value(
			json_object_get(json_array_get(evs, 0), "event_id"));
		ev->messages++;
		ev->events += (int64_t)n;
		ev->lost += lose;
		ev->duplicated += !lose && copies > 1;
		if (hold && !lose) {
			ev->delayed++;
			json_array_append_new(ev->later, json_pack("{s:s, s:s, s:i}", "body", body,
								   "id", first, "copies", copies));
		} else {
			queue_locked(ev, body, first, copies, lose);
		}
	}
	free(body);
	json_decref(msg);
}

void seam_sim_pim_events_emit(seam_sim_pim_events_t *ev, const char *action,
			      const json_t *resource)
{
	char id[37], when[40];
	json_t *e;
	if (!ev || !action || !json_is_object(resource))
		return;
	pthread_mutex_lock(&ev->mu);
	seam_sim_rng_uuid(&ev->rng, id);
	seam_sim_time_drupal(seam_now_ms() / 1000, when);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:o}}", "action", action, "event_id", id,
		      "event_datetime", when, "author", ev->author, "author_type", "api",
		      "pim_source", ev->pim_source, "data", "resource",
		      resource_of(action, resource));
	if (e)
		json_array_append_new(ev->pending, e);
	if ((int64_t)json_array_size(ev->pending) >= ev->batch)
		send_message_locked(ev, (size_t)ev->batch);
	pthread_mutex_unlock(&ev->mu);
}

size_t seam_sim_pim_events_flush(seam_sim_pim_events_t *ev)
{
	size_t made, i;
	int64_t before;
	json_t *m, *t;
	if (!ev)
		return 0;
	pthread_mutex_lock(&ev->mu);
	before = ev->messages;
	while (json_array_size(ev->pending) > 0) {
		size_t n = json_array_size(ev->pending);
		send_message_locked(ev, n < (size_t)ev->batch ? n : (size_t)ev->batch);
	}
	made = (size_t)(ev->messages - before);
	/* Messages delayed by the previous flush go after this flush's own (out of order); the
	 * ones this flush delayed wait for the next. */
	json_array_foreach(ev->carry, i, m)
		queue_locked(ev, json_string_value(json_object_get(m, "body")),
			     json_string_value(json_object_get(m, "id")),
			     (int)json_integer_value(json_object_get(m, "copies")), 0);
	json_array_clear(ev->carry);
	t = ev->carry;
	ev->carry = ev->later;
	ev->later = t;
	pthread_mutex_unlock(&ev->mu);
	return made;
}

json_t *seam_sim_pim_events_stats(seam_sim_pim_events_t *ev)
{
	json_t *o;
	if (!ev)
		return json_null();
	pthread_mutex_lock(&ev->mu);
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "pending",
		      (json_int_t)json_array_size(ev->pending), "waiting",
		      (json_int_t)(json_array_size(ev->carry) + json_array_size(ev->later)),
		      "messages", (json_int_t)ev->messages,
		      "events", (json_int_t)ev->events, "lost", (json_int_t)ev->lost, "duplicated",
		      (json_int_t)ev->duplicated, "delayed", (json_int_t)ev->delayed);
	pthread_mutex_unlock(&ev->mu);
	return o;
}

void seam_sim_pim_events_h_post(seam_sim_call_t *c, seam_sim_pim_events_t *ev)
{
	json_t *b, *e;
	size_t i, queued = 0, made = 0;
	if (!ev) {
		seam_sim_reply_json(c, 409, NULL,
				    json_pack("{s:i, s:s}", "code", 409, "message",
					      "no events url configured (pim.events.url)"));
		return;
	}
	b = seam_sim_body_json(c);
	json_array_foreach(json_object_get(b, "events"), i, e) {
		const char *action = json_string_value(json_object_get(e, "action"));
		const json_t *res = json_object_get(e, "resource");
		if (!action || !json_is_object(res)) {
			json_decref(b);
			seam_sim_reply_json(c, 422, NULL,
					    json_pack("{s:i, s:s}", "code", 422, "message",
						      "each event needs action and resource"));
			return;
		}
		seam_sim_pim_events_emit(ev, action, res);
		queued++;
	}
	if (!json_is_false(json_object_get(b, "flush")))
		made = seam_sim_pim_events_flush(ev);
	json_decref(b);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:I, s:I, s:o}", "queued", (json_int_t)queued, "messages",
				      (json_int_t)made, "stats", seam_sim_pim_events_stats(ev)));
}
